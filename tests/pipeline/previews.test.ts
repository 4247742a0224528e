// preview-environments.yml run unchanged by act: a pull request opens -> its preview
// stack pr-<n> is built, pushed to the pull requests' own package, deployed on the
// previews' Docker host (this machine's engine), smoke-tested and announced in one PR
// comment; the pull request closes -> the stack is destroyed and removed and the comment
// says so; the daily job finds a preview whose close event was missed and destroys it.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROOT, stackFileConfigAt, withSetting, writeStackFile } from "../../config/stackFile";
import { containers, get } from "../../rehearsal/client";
import { requireDocker, skipRehearsal } from "../rehearsal/preflight";
import { ActRun, commitAndPush, Repo, runAct } from "./act";
import { PipelineFixture, setUpPipeline, tearDownPipeline } from "./fixture";
import { Registry } from "./registry";

// Pull request numbers of their own (other tests deploy pr-* stacks too); n mod 100 (the
// test's previews.portSlots) picks the port: OPENED's is previews.hostPortBase, MISSED's the next one.
const K = 3 + Math.floor(Math.random() * 80);
const OPENED = K * 100;
const MISSED = K * 100 + 1;
const stackOf = (pr: number) => `pr-${pr}`;

/** A port whose next one is free too (the two previews' ports: base + n mod 100). */
async function freePortPair(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer().once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 50; i++) {
    const base = 30000 + Math.floor(Math.random() * 30000);
    if ((await free(base)) && (await free(base + 1))) return base;
  }
  throw new Error("no two free ports in a row");
}

/** The pull_request event GitHub sends (only what the workflow reads). */
const pullRequest = (action: string, sha: string, number: number) => ({
  action,
  number,
  pull_request: { number, head: { sha, ref: "feature", repo: { full_name: "taskflow/taskflow" } }, base: { ref: "main" } },
  repository: { full_name: "taskflow/taskflow", owner: { login: "taskflow" } },
});

describe.skipIf(skipRehearsal)(
  "preview-environments.yml: a pull request's preview up, closed, and a missed one cleaned up, run by act",
  () => {
    requireDocker();
    let fixture: PipelineFixture;
    let repo: Repo;
    let registry: Registry;
    let base: number;
    let sha: string;
    let opened: ActRun;
    let servedWhileOpen: { status: number; version?: string };
    let commentWhileOpen: string;
    let closed: ActRun;
    let cleanup: ActRun;
    let missedServedBefore: number;
    let missedPort: number;
    const stateDir = () => fixture.stateDir;
    const githubState = () => path.join(repo.dir, "github-comments.json");
    const comments = (): Record<string, { id: number; body: string }[]> =>
      existsSync(githubState()) ? JSON.parse(readFileSync(githubState(), "utf8")) : {};
    const env = () => ({ TASKFLOW_REHEARSAL_STATE_DIR: stateDir(), TASKFLOW_PIPELINE_GITHUB_STATE: githubState() });
    const secrets = {
      PULUMI_ACCESS_TOKEN: "pr-stacks-token",
      PULUMI_PREVIEW_TOKEN: "pr-stacks-read-token",
      DOCKER_SSH_KEY: "not-used-by-a-local-socket",
      GITHUB_TOKEN: "repository-token",
    };
    const vars = () => ({ REGISTRY: registry.address, DOCKER_KNOWN_HOSTS: "127.0.0.1 ssh-ed25519 AAAA" });

    beforeAll(async () => {
      fixture = await setUpPipeline();
      ({ repo, registry } = fixture);
      base = await freePortPair();
      // Previews start from staging's file: its images by digest from the registry, and the
      // previews' host this machine's engine (never staging's host), plain HTTP on 127.0.0.1.
      const images = fixture.runtimeImages;
      const file = path.join(repo.work, "Pulumi.staging.yaml");
      let staging = stackFileConfigAt(file);
      for (const [k, v] of Object.entries({
        ...images,
        "gateway.bindAddress": "127.0.0.1",
        "previews.dockerHost": "unix:///var/run/docker.sock",
        "previews.hostPortBase": base,
        "previews.portSlots": 100,
        "previews.domain": undefined,
      }))
        staging = withSetting(staging, k, v);
      writeStackFile(file, staging);
      commitAndPush(repo, { "Pulumi.staging.yaml": readFileSync(file, "utf8") }, "previews on this machine's Docker");
      sha = commitAndPush(repo, { "pipeline-marker.txt": `preview ${Date.now()}\n` }, "a pull request's commit", "feature");
      fixture.pushed.push(`${registry.address}/taskflow/taskflow-api-pr:${sha}`);

      opened = runAct(repo, {
        event: "pull_request",
        payload: pullRequest("opened", sha, OPENED),
        workflow: "preview-environments.yml",
        job: "deploy",
        secrets,
        vars: vars(),
        env: env(),
        timeoutSeconds: 900,
      });
      const status = await get(base, "/api/v1/status").catch(() => ({ status: 0, body: {} as Record<string, unknown> }));
      servedWhileOpen = { status: status.status, version: status.body.version as string | undefined };
      const openComments = comments()[OPENED] ?? [];
      commentWhileOpen = openComments.map((c) => c.body).join("\n---\n");

      closed = runAct(repo, {
        event: "pull_request",
        payload: pullRequest("closed", sha, OPENED),
        workflow: "preview-environments.yml",
        job: "destroy",
        secrets,
        vars: vars(),
        env: env(),
        timeoutSeconds: 600,
      });

      // A preview whose close event never arrived: deployed the way the deploy job does it
      // (preview-stack config, then the engine), its pull request no longer open.
      const missedFile = path.join(repo.dir, `Pulumi.${stackOf(MISSED)}.yaml`);
      const tsNode = ["-r", "ts-node/register/transpile-only"];
      const image = `${registry.address}/taskflow/taskflow-api-pr:${sha}`;
      const from = path.join(repo.work, "Pulumi.staging.yaml");
      // prettier-ignore
      const config = spawnSync("node", [...tsNode, "previews/cli.ts", "config", "--pr", String(MISSED), "--image", image, "--from", from, "--out", missedFile], { cwd: ROOT, encoding: "utf8" });
      if (config.status !== 0) throw new Error(`preview-stack config: ${config.stderr}`);
      missedPort = Number(/^port=(\d+)$/m.exec(config.stdout)?.[1]);
      const up = spawnSync("node", [...tsNode, "rehearsal/cli.ts", "--stack", stackOf(MISSED), "--config-file", missedFile], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env() },
      });
      if (up.status !== 0) throw new Error(`the missed preview's deploy failed: ${up.stdout}${up.stderr}`);
      missedServedBefore = await get(missedPort, "/health").then(
        (r) => r.status,
        (e) => {
          throw new Error(`the missed preview does not answer on ${missedPort}: ${e}\n${config.stdout}\n${up.stdout.slice(-3000)}`);
        },
      );
      cleanup = runAct(repo, {
        event: "schedule",
        payload: { schedule: "23 4 * * *", repository: { full_name: "taskflow/taskflow" } },
        workflow: "preview-environments.yml",
        job: "cleanup",
        secrets,
        vars: vars(),
        env: { ...env(), TASKFLOW_PIPELINE_OPEN_PRS: "3 4" },
        timeoutSeconds: 900,
      });
    }, 2_400_000);

    afterAll(() => {
      for (const [what, run] of Object.entries({ opened, closed, cleanup }))
        if (run) console.log(`preview-environments.yml ${what}: exit ${run.status}, ${run.seconds.toFixed(1)} s`);
      tearDownPipeline(fixture, [stackOf(OPENED), stackOf(MISSED)]);
    }, 300_000);

    it("an opened pull request: the preview job builds, scans and pushes the PR image, deploys pr-<n>, which serves the PR's commit, and posts one comment with its URL", () => {
      expect(opened.status, opened.log.slice(-4000)).toBe(0);
      expect(opened.log).toMatch(/\[preview environments\/preview environment\s*\] .*Job succeeded/);
      expect(servedWhileOpen).toEqual({ status: 200, version: sha });
      expect(commentWhileOpen).toContain(`**Preview environment** \`${stackOf(OPENED)}\`: http://127.0.0.1:${base}`);
      expect(commentWhileOpen).toContain(`Serving commit \`${sha}\``);
    });

    it("the pull request closed: the stack is destroyed and removed, nothing of it runs, and the same comment says so", async () => {
      expect(closed.status, closed.log.slice(-4000)).toBe(0);
      expect(containers(stackOf(OPENED), "api")).toEqual([]);
      expect(containers(stackOf(OPENED), "gateway")).toEqual([]);
      expect(existsSync(path.join(stateDir(), `${stackOf(OPENED)}.json`))).toBe(false);
      await expect(get(base, "/health")).rejects.toThrow();
      expect(comments()[OPENED]).toEqual([
        {
          id: 1,
          body: `<!-- taskflow-preview -->\n**Preview environment** \`${stackOf(OPENED)}\` was destroyed when this pull request closed.`,
        },
      ]);
    });

    it("the daily job finds the preview whose pull request is no longer open and destroys it", () => {
      expect(missedServedBefore).toBe(200);
      expect(cleanup.status, cleanup.log.slice(-4000)).toBe(0);
      expect(cleanup.log).toContain(`stale previews: ["${stackOf(MISSED)}"]`);
      expect(cleanup.log).toMatch(
        new RegExp(`\\[preview environments/destroy stale preview \\(${stackOf(MISSED)}\\)\\s*\\] .*Job succeeded`),
      );
      expect(containers(stackOf(MISSED), "api")).toEqual([]);
      expect(existsSync(path.join(stateDir(), `${stackOf(MISSED)}.json`))).toBe(false);
    });
  },
);
