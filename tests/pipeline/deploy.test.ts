// deploy.yml run unchanged by act, every job a push to main starts, twice:
// (a) a good release: the image is built with its version, scanned and pushed to a real
//     registry (on 127.0.0.1); staging deploys that digest through the project's engine
//     (the pulumi/actions stand-in: the rehearsal) and is smoke-tested; production deploys
//     the same digest over HTTPS from an ACME CA and is smoke-tested; the deploy bot
//     commits what each stack runs to main on the git remote.
// (b) a release that breaks in production after its health gate (its database reads fail
//     there, not in staging): production's smoke test fails, the job puts back the image
//     production ran before, and the record job keeps main naming it.
// (d) a release whose image scan finds a HIGH vulnerability: the image job fails, nothing
//     is pushed or deployed.
// Both stacks are reached as the workflow reaches them: docker.host
// ssh://taskflow-deploy@127.0.0.1:<port>, through an sshd of the test's own (sshd.ts), with
// the key and host key the jobs install from DOCKER_SSH_KEY and DOCKER_KNOWN_HOSTS.
// act ignores `environment:`, so production's approval is not exercised here:
// tests/workflow holds the workflow to its environments, tests/unit the environments'
// required reviewers and wait timer.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROOT, stackFileConfigAt, withSetting, writeStackFile } from "../../config/stackFile";
import { freePort, get, Tls } from "../../rehearsal/client";
import { requireDocker, skipRehearsal } from "../rehearsal/preflight";
import { AcmeCa, startAcmeCa } from "./acme";
import { ActRun, commitAndPush, git, Repo, runAct, withHosts } from "./act";
import { PipelineFixture, setUpPipeline, tearDownPipeline } from "./fixture";
import { pushByDigest, Registry } from "./registry";
import { Sshd, startSshd } from "./sshd";

// The stacks the workflow deploys: their Docker objects carry these labels.
const STACKS = ["staging", "production"];
// Production's public name, resolved to 127.0.0.1 inside the runs (runAct's hosts) and by the CA.
const DOMAIN = "taskflow.test";
// The CA validates on the standard ports, HTTP-01 on 80 and TLS-ALPN-01 on 443 (Caddy
// picks either): production's gateway publishes both on 127.0.0.1.
const HTTP_PORT = 80;
const HTTPS_PORT = 443;

/** Throws unless 127.0.0.1:port can be bound (nothing else holds it). */
async function requireFreePort(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (e) => reject(new Error(`127.0.0.1:${port} is taken (${e.message}): production's ACME challenges need it`)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** The version a stack's API reports through its gateway. */
async function versionAt(port: number, tls?: Tls): Promise<string> {
  const r = await get(port, "/api/v1/status", tls);
  return r.status === 200 ? String(r.body.version) : `status ${r.status}`;
}

/** Jobs of an act log and whether each succeeded, e.g. {"image": true, "deploy (production)": false}. */
function jobOutcomes(log: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const m of log.matchAll(/\[deploy\/([^\]]+?)\s*\] .*Job (succeeded|failed)/g)) out[m[1]] = m[2] === "succeeded";
  return out;
}

/** The image line a stack file names on the remote's main. */
const imageOnMain = (repo: Repo, stack: string) =>
  git(repo.remote, "show", `main:Pulumi.${stack}.yaml`)
    .split("\n")
    .find((l) => l.startsWith("  taskflow:image: "))!
    .slice("  taskflow:image: ".length);

describe.skipIf(skipRehearsal)("deploy.yml from a push to main through staging and production, run by act", () => {
  requireDocker();
  let fixture: PipelineFixture;
  let repo: Repo;
  let registry: Registry;
  let ca: AcmeCa;
  let sshd: Sshd;
  /** The key and known hosts the test's own ssh calls use (production's first deploy, the teardown). */
  let sshDir: string;
  let stagingPort: number;
  let httpsPort: number;
  let tls: Tls;
  let v1: string;
  let good: { sha: string; run: ActRun };
  let bad: { sha: string; run: ActRun };
  let flagged: { sha: string; run: ActRun };

  const pushRun = (before: string, sha: string) =>
    runAct(repo, {
      event: "push",
      payload: { ref: "refs/heads/main", before, after: sha, deleted: false, repository: { full_name: "taskflow/taskflow" } },
      workflow: "deploy.yml",
      secrets: {
        RELEASE_PACKAGES_TOKEN: "release-packages-token",
        PULUMI_ACCESS_TOKEN: "pulumi-token",
        DOCKER_SSH_KEY: sshd.privateKey,
        DEPLOY_BOT_TOKEN: "bot-token",
      },
      vars: { REGISTRY: registry.address, DOCKER_KNOWN_HOSTS: sshd.knownHosts },
      env: {
        TASKFLOW_REHEARSAL_STATE_DIR: fixture.stateDir,
        // The runner trusts the company CA, as a self-hosted runner would (smoke.sh's curl).
        CURL_CA_BUNDLE: path.join(repo.dir, "acme-root.pem"),
        // A failing smoke test gives up after 5 s rather than 60 s.
        SMOKE_ATTEMPTS: "5",
        SMOKE_INTERVAL: "1",
      },
      hosts: { [DOMAIN]: "127.0.0.1" },
      ssh: true,
      timeoutSeconds: 1500,
    });

  beforeAll(async () => {
    await requireFreePort(HTTP_PORT);
    await requireFreePort(HTTPS_PORT);
    fixture = await setUpPipeline();
    ({ repo, registry } = fixture);
    sshd = await startSshd(await freePort());
    sshDir = path.join(repo.dir, "ssh");
    mkdirSync(sshDir, { mode: 0o700 });
    writeFileSync(path.join(sshDir, "id_ed25519"), sshd.privateKey, { mode: 0o600 });
    writeFileSync(path.join(sshDir, "known_hosts"), `${sshd.knownHosts}\n`);
    ca = await startAcmeCa("taskflow-caddy:2.6", "production", DOMAIN, await freePort());
    writeFileSync(path.join(repo.dir, "acme-root.pem"), ca.root);
    // Every image by digest from the registry, as staging and production require. The
    // API's is what both files name before the first deploy (same repository, so each bot
    // commit changes its tag and digest only).
    v1 = pushByDigest("taskflow-api:v1", `${registry.address}/taskflow/taskflow-api:v1`);
    fixture.pushed.push(v1.split("@")[0]);
    // No traffic reaches these stacks while the pipeline deploys, so their canary (on in
    // staging and production) is not judged: its shortest window keeps each deploy short.
    const images = { image: v1, ...fixture.runtimeImages, "canary.windowSeconds": 5 };
    stagingPort = await freePort();
    httpsPort = HTTPS_PORT;
    tls = { servername: DOMAIN, ca: ca.root };
    const settings: Record<string, Record<string, unknown>> = {
      staging: {
        ...images,
        "docker.host": sshd.dockerHost,
        "gateway.hostPort": stagingPort,
        "gateway.bindAddress": "127.0.0.1",
        "gateway.publicUrl": `http://127.0.0.1:${stagingPort}`,
      },
      production: {
        ...images,
        "docker.host": sshd.dockerHost,
        "gateway.hostPort": HTTP_PORT,
        "gateway.bindAddress": "127.0.0.1",
        "gateway.httpsHostPort": httpsPort,
        "gateway.domain": DOMAIN,
        "gateway.acmeCa": ca.directory,
        "gateway.acmeCaRoot": ca.root,
      },
    };
    const files: Record<string, string> = {};
    for (const stack of STACKS) {
      const file = path.join(repo.work, `Pulumi.${stack}.yaml`);
      let config = stackFileConfigAt(file);
      for (const [k, v] of Object.entries(settings[stack])) config = withSetting(config, k, v);
      writeStackFile(file, config);
      files[`Pulumi.${stack}.yaml`] = readFileSync(file, "utf8");
    }
    const start = commitAndPush(repo, files, "staging and production on this machine's Docker");
    // What production runs before this pipeline's first deploy: v1, deployed from the file on main.
    const [cmd, argv] = withHosts(mkdtempSync(path.join(repo.dir, "initial-")), { [DOMAIN]: "127.0.0.1" }, [
      "node", "-r", "ts-node/register/transpile-only", "rehearsal/cli.ts",
      "--stack", "production", "--config-file", path.join(repo.work, "Pulumi.production.yaml"),
    ], sshDir); // prettier-ignore
    const initial = spawnSync(cmd, argv, {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TASKFLOW_REHEARSAL_STATE_DIR: fixture.stateDir },
      timeout: 600_000,
    });
    if (initial.status !== 0) throw new Error(`production's first deploy failed:\n${(initial.stdout + initial.stderr).slice(-4000)}`);

    // (a) A good release.
    const goodSha = commitAndPush(repo, { "RELEASE.md": "a good release\n" }, "a good release");
    fixture.pushed.push(`${registry.address}/taskflow/taskflow-api:${goodSha}`);
    good = { sha: goodSha, run: pushRun(start, goodSha) };
    git(repo.work, "pull", "-q", "--rebase", "origin", "main");

    // (b) A release whose database reads fail in production only (a setting production
    // has and staging has not): /health and the version pass every gate, real reads 500.
    const main = path.join(repo.work, "app/taskflow/main.py");
    const source = readFileSync(main, "utf8");
    const handler = "    def get_task(task_id: int, session=Depends(db)) -> dict:\n";
    if (!source.includes(handler)) throw new Error("app/taskflow/main.py has no get_task handler to break");
    const broken = source.replace(
      handler,
      `${handler}        if settings.environment == "production":\n            raise RuntimeError("reads a column production does not have")\n`,
    );
    const badSha = commitAndPush(repo, { "app/taskflow/main.py": broken }, "a release that breaks in production only");
    fixture.pushed.push(`${registry.address}/taskflow/taskflow-api:${badSha}`);
    bad = { sha: badSha, run: pushRun(goodSha, badSha) };
    git(repo.work, "pull", "-q", "--rebase", "origin", "main");

    // (d) A dependency with a HIGH finding (the Trivy stand-in reads the image's label).
    const dockerfile = readFileSync(path.join(repo.work, "app/Dockerfile"), "utf8");
    const flaggedSha = commitAndPush(
      repo,
      { "app/Dockerfile": `${dockerfile}\nLABEL taskflow.test.finding=HIGH\n` },
      "a dependency with a high finding",
    );
    fixture.pushed.push(`${registry.address}/taskflow/taskflow-api:${flaggedSha}`);
    flagged = { sha: flaggedSha, run: pushRun(badSha, flaggedSha) };
    console.log(
      `deploy.yml (a) good release: ${good.run.seconds.toFixed(1)} s, exit ${good.run.status}; ` +
        `(b) breaks in production: ${bad.run.seconds.toFixed(1)} s, exit ${bad.run.status}; ` +
        `(d) scan finding: ${flagged.run.seconds.toFixed(1)} s, exit ${flagged.run.status}`,
    );
  }, 3_000_000);

  afterAll(() => {
    ca?.stop();
    // Through the sshd, as the stacks were deployed (their files name it).
    tearDownPipeline(fixture, STACKS, (argv) => withHosts(mkdtempSync(path.join(fixture.repo.dir, "teardown-")), {}, argv, sshDir));
    sshd?.stop();
  }, 300_000);

  describe("(a) a good release", () => {
    it("runs image, both deploys and both records, each to success", () => {
      expect(good.run.status, good.run.log.slice(-4000)).toBe(0);
      expect(jobOutcomes(good.run.log)).toEqual({
        image: true,
        "deploy (staging)": true,
        "record (staging)": true,
        "deploy (production)": true,
        "record (production)": true,
      });
    });

    it("pushed the image with its version to the registry; production's smoke test passed over HTTPS from the CA", async () => {
      const res = await fetch(`http://${registry.address}/v2/taskflow/taskflow-api/tags/list`);
      expect((await res.json()).tags).toEqual(expect.arrayContaining([good.sha, bad.sha]));
      expect(good.run.log).toContain(`smoke: https://${DOMAIN} healthy, version ${good.sha}, database read answers`);
      expect(good.run.log).toContain(`smoke: http://127.0.0.1:${stagingPort} healthy, version ${good.sha}, database read answers`);
    });

    it("commits what each stack runs to main as the deploy bot: one image line each, which the bot check passes", () => {
      const log = git(repo.remote, "log", "--format=%an|%s", `${good.sha}..main`).split("\n");
      expect(log).toEqual(
        expect.arrayContaining([
          `taskflow-deploy-bot|deploy: staging -> ${good.sha}`,
          `taskflow-deploy-bot|deploy: production -> ${good.sha}`,
        ]),
      );
      const check = spawnSync("node", [path.join(ROOT, "scripts/check-bot-commits.mjs"), "--all"], { cwd: repo.work, encoding: "utf8" });
      expect(check.stdout + check.stderr).toMatch(/bot commit\(s\), 0 refused/);
      expect(check.status).toBe(0);
    });
  });

  describe("(b) a release that breaks in production after its health gate", () => {
    it("fails the production deploy only: staging and its record succeed, production's record runs", () => {
      expect(bad.run.status).not.toBe(0);
      expect(jobOutcomes(bad.run.log)).toEqual({
        image: true,
        "deploy (staging)": true,
        "record (staging)": true,
        "deploy (production)": false,
        "record (production)": true,
      });
      // The gate passed (health and version), the smoke test's database read did not.
      expect(bad.run.log).toContain(`smoke: FAILED after 5 attempts: health 200, version '${bad.sha}', database read 500`);
    });

    it("puts back the image production ran before, and the API serves it; staging serves the new release", async () => {
      expect(await versionAt(httpsPort, tls)).toBe(good.sha);
      expect((await get(httpsPort, "/api/v1/tasks/0", tls)).status).toBe(404);
      expect(await versionAt(stagingPort)).toBe(bad.sha);
      // The rollback went through the same `pulumi up` (the stand-in's second update of the job).
      const production = bad.run.log.split("\n").filter((l) => l.includes("[deploy/deploy (production)"));
      expect(production.filter((l) => l.includes("pulumi (stand-in): up -s production"))).toHaveLength(2);
    });

    it("keeps main naming what production runs (the good release) and staging the new one", () => {
      expect(imageOnMain(repo, "production")).toMatch(
        new RegExp(`^${registry.address}/taskflow/taskflow-api:${good.sha}@sha256:[0-9a-f]{64}$`),
      );
      expect(imageOnMain(repo, "staging")).toMatch(
        new RegExp(`^${registry.address}/taskflow/taskflow-api:${bad.sha}@sha256:[0-9a-f]{64}$`),
      );
    });
  });

  describe("(d) a release whose image has a HIGH finding", () => {
    it("fails the image job at the scan: nothing pushed, no deploy job runs, both stacks keep what they ran", async () => {
      expect(flagged.run.status).not.toBe(0);
      expect(flagged.run.log).toMatch(/trivy \(stand-in\): \S+ has a HIGH finding/);
      expect(jobOutcomes(flagged.run.log)).toEqual({ image: false });
      const res = await fetch(`http://${registry.address}/v2/taskflow/taskflow-api/tags/list`);
      expect((await res.json()).tags).not.toContain(flagged.sha);
      expect(await versionAt(httpsPort, tls)).toBe(good.sha);
      expect(await versionAt(stagingPort)).toBe(bad.sha);
    });
  });
});
