// pull-request.yml's `image` job, run unchanged by act on this host: it builds the
// pull request's commit as taskflow-api:<sha> with that SHA as the version the gates
// expect, and the scan step (Trivy's stand-in) blocks an image with a CRITICAL finding.
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { docker } from "../../rehearsal/client";
import { requireDocker, skipRehearsal } from "../rehearsal/preflight";
import { ACT, ActRun, commitAndPush, localRepositories, makeRepo, Repo, runAct } from "./act";

const imageOf = (sha: string) => `ghcr.io/taskflow/taskflow-api:${sha}`;

/** The pull_request event GitHub sends for `sha` (only what the workflow reads). */
const pullRequest = (sha: string, number: number) => ({
  action: "synchronize",
  number,
  pull_request: { number, head: { sha, ref: "feature", repo: { full_name: "taskflow/taskflow" } }, base: { ref: "main" } },
  repository: { full_name: "taskflow/taskflow", owner: { login: "taskflow" } },
});

describe.skipIf(skipRehearsal)("pull-request.yml image job, run by act", () => {
  requireDocker();
  let repo: Repo;
  const built: string[] = [];
  let clean: ActRun;
  let marked: ActRun;
  let cleanSha: string;
  let markedSha: string;

  beforeAll(() => {
    if (!existsSync(ACT)) throw new Error(`${ACT} is missing: scripts/ensure-go-tools.sh installs it (npm test's pretest runs it)`);
    repo = makeRepo();
    // A commit of its own, so the tag is new to this Docker engine.
    cleanSha = commitAndPush(repo, { "pipeline-marker.txt": `clean ${Date.now()}\n` }, "a pull request's commit", "feature");
    clean = runAct(repo, { event: "pull_request", payload: pullRequest(cleanSha, 7), workflow: "pull-request.yml", job: "image" });
    built.push(imageOf(cleanSha));
    const dockerfile = readFileSync(path.join(repo.work, "app", "Dockerfile"), "utf8");
    markedSha = commitAndPush(
      repo,
      { "app/Dockerfile": `${dockerfile}\nLABEL taskflow.test.finding=CRITICAL\n` },
      "a dependency with a critical finding",
      "feature",
    );
    marked = runAct(repo, { event: "pull_request", payload: pullRequest(markedSha, 7), workflow: "pull-request.yml", job: "image" });
    built.push(imageOf(markedSha));
  }, 900_000);

  afterAll(() => {
    for (const image of built) docker("rmi", "-f", image);
    if (repo) rmSync(repo.dir, { recursive: true, force: true });
  });

  it("maps every pinned third-party action of this job to a stand-in", () => {
    expect(localRepositories().maps.map((m) => m.split("@")[0])).toEqual(
      expect.arrayContaining(["actions/checkout", "actions/setup-node", "aquasecurity/trivy-action"]),
    );
  });

  it("builds the commit under test as taskflow-api:<sha>, reporting that SHA as its version, and passes a clean scan", () => {
    expect(clean.status, clean.log.slice(-3000)).toBe(0);
    expect(clean.log).toContain(`checkout (stand-in): ${cleanSha} at depth 1, 1 commit(s) of history`);
    expect(clean.log).toContain(`trivy (stand-in): ${imageOf(cleanSha)}: no CRITICAL,HIGH finding`);
    const env = docker("image", "inspect", "--format", "{{json .Config.Env}}", imageOf(cleanSha));
    expect(JSON.parse(env)).toContain(`APP_VERSION=${cleanSha}`);
    expect(
      docker("image", "inspect", "--format", '{{ index .Config.Labels "org.opencontainers.image.revision" }}', imageOf(cleanSha)),
    ).toBe(cleanSha);
  });

  it("fails the job on a CRITICAL finding (scenario d: a scan finding blocks the image)", () => {
    expect(marked.status).not.toBe(0);
    expect(marked.log).toContain(`trivy (stand-in): ${imageOf(markedSha)} has a CRITICAL finding`);
    expect(marked.log).toMatch(/Job 'image' failed|Job failed/);
  });
});
