// deploy.yml run unchanged by act, up to `record (staging)` (and the jobs it needs):
// a push to main builds the image with its version, scans it and pushes it to a real
// registry (on 127.0.0.1); staging deploys that digest through the project's engine
// (the pulumi/actions stand-in: the rehearsal) and is smoke-tested; then the deploy bot
// commits what runs to main on the git remote, and that commit passes the bot check.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROOT, stackFileConfigAt, withSetting, writeStackFile } from "../../config/stackFile";
import { freePort, get } from "../../rehearsal/client";
import { requireDocker, skipRehearsal } from "../rehearsal/preflight";
import { ActRun, commitAndPush, git, Repo, runAct } from "./act";
import { PipelineFixture, setUpPipeline, tearDownPipeline } from "./fixture";
import { pushByDigest, Registry } from "./registry";

// The stack the workflow deploys is named staging: its Docker objects carry that label.
const STACK = "staging";

describe.skipIf(skipRehearsal)("deploy.yml from a push to main through staging, run by act", () => {
  requireDocker();
  let fixture: PipelineFixture;
  let repo: Repo;
  let registry: Registry;
  let run: ActRun;
  let sha: string;
  let port: number;
  const stateDir = () => fixture.stateDir;

  beforeAll(async () => {
    fixture = await setUpPipeline();
    ({ repo, registry } = fixture);
    // Every image by digest from the registry, as staging requires (the API's is what the
    // file names before this deploy: same repository, so the bot's commit changes its tag only).
    const images = {
      image: pushByDigest("taskflow-api:v1", `${registry.address}/taskflow/taskflow-api:1.0.0`),
      ...fixture.runtimeImages,
    };
    fixture.pushed.push(images.image.split("@")[0]);
    // Staging's file with this machine's host and a free port: a reviewed commit on main.
    port = await freePort();
    let staging = stackFileConfigAt(path.join(repo.work, "Pulumi.staging.yaml"));
    for (const [k, v] of Object.entries({
      ...images,
      "docker.host": "unix:///var/run/docker.sock",
      "gateway.hostPort": port,
      "gateway.bindAddress": "127.0.0.1",
      "gateway.publicUrl": `http://127.0.0.1:${port}`,
    }))
      staging = withSetting(staging, k, v);
    writeStackFile(path.join(repo.work, "Pulumi.staging.yaml"), staging);
    const before = git(repo.work, "rev-parse", "HEAD");
    sha = commitAndPush(
      repo,
      { "Pulumi.staging.yaml": readFileSync(path.join(repo.work, "Pulumi.staging.yaml"), "utf8") },
      "staging on this machine's Docker",
    );
    fixture.pushed.push(`${registry.address}/taskflow/taskflow-api:${sha}`);
    run = runAct(repo, {
      event: "push",
      payload: { ref: "refs/heads/main", before, after: sha, deleted: false, repository: { full_name: "taskflow/taskflow" } },
      workflow: "deploy.yml",
      job: "record-staging",
      secrets: {
        RELEASE_PACKAGES_TOKEN: "release-packages-token",
        PULUMI_ACCESS_TOKEN: "pulumi-token",
        DOCKER_SSH_KEY: "not-used-by-a-local-socket",
        DEPLOY_BOT_TOKEN: "bot-token",
      },
      vars: { REGISTRY: registry.address, PUBLIC_URL: `http://127.0.0.1:${port}`, DOCKER_KNOWN_HOSTS: "127.0.0.1 ssh-ed25519 AAAA" },
      env: { TASKFLOW_REHEARSAL_STATE_DIR: stateDir() },
      timeoutSeconds: 900,
    });
  }, 1_200_000);

  afterAll(() => tearDownPipeline(fixture, [STACK]), 300_000);

  it("runs image, deploy (staging) and record (staging), each to success", () => {
    expect(run.status, run.log.slice(-4000)).toBe(0);
    for (const job of ["image", "deploy (staging)", "record (staging)"])
      expect(run.log).toMatch(new RegExp(`\\[deploy/${job.replace(/[()]/g, "\\$&")}\\s*\\] .*Job succeeded`));
  });

  it("pushes the image to the registry and deploys it by digest; the API reports the commit SHA", async () => {
    const status = await get(port, "/api/v1/status");
    expect(status.status).toBe(200);
    expect(status.body.version).toBe(sha);
    const res = await fetch(`http://${registry.address}/v2/taskflow/taskflow-api/tags/list`);
    expect((await res.json()).tags).toContain(sha);
  });

  it("commits what runs to main as the deploy bot: one image line, which the bot check passes", () => {
    const head = git(repo.remote, "log", "-1", "--format=%an|%s", "main");
    expect(head).toBe(`taskflow-deploy-bot|deploy: staging -> ${sha}`);
    const diff = git(repo.remote, "show", "--format=", "-U0", "main");
    expect(diff.split("\n").filter((l) => /^[-+] /.test(l))).toEqual([
      expect.stringMatching(/^- {2}taskflow:image: /),
      expect.stringMatching(new RegExp(`^\\+ {2}taskflow:image: ${registry.address}/taskflow/taskflow-api:${sha}@sha256:[0-9a-f]{64}$`)),
    ]);
    const check = spawnSync("node", [path.join(ROOT, "scripts/check-bot-commits.mjs"), "--all"], { cwd: repo.work, encoding: "utf8" });
    git(repo.work, "pull", "-q", "--ff-only", "origin", "main");
    const after = spawnSync("node", [path.join(ROOT, "scripts/check-bot-commits.mjs"), "--all"], { cwd: repo.work, encoding: "utf8" });
    expect(check.status).toBe(0);
    expect(after.stdout).toContain("1 bot commit(s), 0 refused");
  });
});
