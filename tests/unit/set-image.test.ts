// scripts/set-image.sh against a real git remote (a bare repository on disk): the
// deploy bot's tag commit lands on a fresh main holding only the stack file, even
// when main moved; never from another ref; and the token never reaches .git/config.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ROOT } from "../../config/stackFile";

const REF = "ghcr.io/taskflow/taskflow-api:0123456789abcdef0123456789abcdef01234567@sha256:" + "b".repeat(64);
const TOKEN = "ghs_token-that-must-not-persist";

describe("set-image.sh under GitHub Actions", () => {
  let dir: string;
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" }).trim();
  const run = (cwd: string, env: Record<string, string>) =>
    spawnSync("bash", ["scripts/set-image.sh", "staging", REF], { cwd, encoding: "utf8", env: { ...process.env, ...env } });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "set-image-"));
    const origin = path.join(dir, "origin.git");
    git(dir, "init", "-q", "--bare", "-b", "main", origin);
    const seed = path.join(dir, "seed");
    for (const d of ["scripts", "config"]) mkdirSync(path.join(seed, d), { recursive: true });
    for (const f of [
      "scripts/set-image.sh",
      "scripts/stack-image.mjs",
      "scripts/image-ref.mjs",
      "config/imageRef.js",
      "Pulumi.staging.yaml",
      "Pulumi.production.yaml",
    ])
      cpSync(path.join(ROOT, f), path.join(seed, f));
    symlinkSync(path.join(ROOT, "node_modules"), path.join(seed, "node_modules"));
    writeFileSync(path.join(seed, ".gitignore"), "node_modules\n");
    git(seed, "init", "-q", "-b", "main");
    git(seed, "add", ".");
    git(seed, "commit", "-q", "-m", "seed");
    git(seed, "remote", "add", "origin", origin);
    git(seed, "push", "-q", "origin", "main");
    // The job's checkout: the commit that triggered the run...
    git(dir, "clone", "-q", origin, "job");
    symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "job", "node_modules"));
    // ...and main moves on before the deploy records its tag.
    writeFileSync(path.join(seed, "NOTES.md"), "merged meanwhile\n");
    git(seed, "add", "NOTES.md");
    git(seed, "commit", "-q", "-m", "another merge");
    git(seed, "push", "-q", "origin", "main");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("commits only the stack file, on top of the main that moved, and edits the job's own tree too", () => {
    const job = path.join(dir, "job");
    const r = run(job, { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/main", DEPLOY_BOT_TOKEN: TOKEN });
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.status).toBe(0);
    const origin = path.join(dir, "origin.git");
    expect(git(origin, "log", "-1", "--format=%s%n%an", "main")).toBe(
      "deploy: staging -> 0123456789abcdef0123456789abcdef01234567\ntaskflow-deploy-bot",
    );
    expect(git(origin, "log", "-1", "--format=%s", "main~1")).toBe("another merge");
    expect(git(origin, "diff", "--name-only", "main~1", "main")).toBe("Pulumi.staging.yaml");
    expect(git(origin, "show", "main:Pulumi.staging.yaml")).toContain(REF);
    expect(readFileSync(path.join(job, "Pulumi.staging.yaml"), "utf8")).toContain(REF);
    expect(readFileSync(path.join(job, ".git", "config"), "utf8")).not.toContain("extraheader");
    expect(git(job, "worktree", "list")).not.toMatch(/\n/); // its temporary worktree is gone
  });

  it("records nothing from a ref other than main", () => {
    const before = git(path.join(dir, "origin.git"), "rev-parse", "main");
    const r = run(path.join(dir, "job"), { GITHUB_ACTIONS: "true", GITHUB_REF: "refs/heads/feature", DEPLOY_BOT_TOKEN: TOKEN });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("deploys are recorded only from refs/heads/main (this run is on refs/heads/feature)");
    expect(git(path.join(dir, "origin.git"), "rev-parse", "main")).toBe(before);
  });

  it("refuses a stack name it does not know", () => {
    const r = spawnSync("bash", ["scripts/set-image.sh", "../etc", REF], { cwd: path.join(dir, "job"), encoding: "utf8" });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("set-image: stack must be staging or production (got '../etc')");
  });
});
