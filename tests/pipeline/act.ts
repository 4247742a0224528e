// Runs a job of a workflow file, unchanged, with act (github.com/nektos/act, installed
// into .tools/bin by scripts/ensure-go-tools.sh) directly on this host (`-P
// ubuntu-24.04=-self-hosted`: no runner image). Every third-party action the workflows
// pin is mapped to its stand-in under tests/pipeline/actions (--local-repository); an
// action without one fails the run before any step. The repository is a clone of the
// commit under test (HEAD: commit a change before running these tests) with a bare remote
// beside it, which the checkout stand-in clones.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT } from "../../config/stackFile";
import { WORKFLOW_DIR, workflowFiles } from "../workflow/parse";

export const ACT = path.join(ROOT, ".tools", "bin", "act");
const ACTIONS = path.join(__dirname, "actions");

/** Each pinned third-party action and its stand-in folder. */
const STAND_INS: Record<string, string> = {
  "actions/checkout": "checkout",
  "actions/github-script": "github-script",
  "actions/setup-node": "setup-node",
  "aquasecurity/trivy-action": "trivy",
  "docker/login-action": "docker-login",
  "pulumi/actions": "pulumi",
};

/** `owner/repo@sha=folder` for every pinned action of the workflows that has a stand-in. */
export function localRepositories(): { maps: string[]; missing: string[] } {
  const pinned = new Set(
    workflowFiles().flatMap((f) =>
      [...readFileSync(path.join(WORKFLOW_DIR, f), "utf8").matchAll(/uses: ([\w.-]+\/[\w.-]+@[0-9a-f]{40})/g)].map((m) => m[1]),
    ),
  );
  const maps: string[] = [];
  const missing: string[] = [];
  for (const ref of pinned) {
    const name = ref.split("@")[0];
    if (STAND_INS[name]) maps.push(`${ref}=${path.join(ACTIONS, STAND_INS[name])}`);
    else missing.push(ref);
  }
  return { maps, missing };
}

export interface Repo {
  dir: string;
  /** The bare remote the checkout stand-in clones from. */
  remote: string;
  /** The work clone act runs in (its HEAD is the commit under test). */
  work: string;
}

/** git in `cwd` as the pipeline tests' own committer; throws with git's message on failure. */
export const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync("git", ["-c", "user.name=pipeline-test", "-c", "user.email=pipeline@test.invalid", ...args], {
    cwd,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
};

/** A bare remote holding this repository's HEAD as main, and a clone of it to run act in. */
export function makeRepo(): Repo {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pipeline-"));
  const remote = path.join(dir, "origin.git");
  git(dir, "clone", "-q", "--bare", "--no-local", ROOT, remote);
  git(remote, "symbolic-ref", "HEAD", "refs/heads/main");
  const head = git(ROOT, "rev-parse", "HEAD");
  git(remote, "update-ref", "refs/heads/main", head);
  const work = path.join(dir, "work");
  git(dir, "clone", "-q", "--branch", "main", remote, work);
  return { dir, remote, work };
}

/** Commits `files` (path -> content) in the work clone and pushes them to the remote's `branch`. */
export function commitAndPush(repo: Repo, files: Record<string, string>, message: string, branch = "main"): string {
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(repo.work, file), content);
  git(repo.work, "add", "--", ...Object.keys(files));
  git(repo.work, "commit", "-q", "-m", message);
  git(repo.work, "push", "-q", "origin", `HEAD:refs/heads/${branch}`);
  return git(repo.work, "rev-parse", "HEAD");
}

export interface ActRun {
  status: number | null;
  log: string;
  seconds: number;
}

export interface ActOptions {
  event: "push" | "pull_request" | "schedule" | "workflow_dispatch";
  payload: Record<string, unknown>;
  workflow: string;
  /** One job and the jobs it needs; without it, every job the event starts (the whole run). */
  job?: string;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** Environment every step sees (act's --env). */
  env?: Record<string, string>;
  /**
   * Host names the run's steps resolve (name -> address), as a runner's DNS would: act
   * runs in a mount namespace of its own where /etc/hosts has them too, so this machine's
   * /etc/hosts is never changed. Needs root (unshare).
   */
  hosts?: Record<string, string>;
  /**
   * ssh reads its keys and known hosts from the passwd home, not $HOME: in the run's
   * namespace the run's own HOME/.ssh (where scripts/ci-ssh.sh writes) is mounted there.
   * Needs `hosts` (the namespace).
   */
  ssh?: boolean;
  timeoutSeconds?: number;
}

/**
 * The environment act and its host steps get: this process's, without what npm set for
 * the command that started the tests (npm_*: a step's own `npm ci` would read them as its
 * options), with the run's own HOME, and npm's cache kept the machine's so that each
 * job's `npm ci` installs from it.
 */
function runnerEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return {
    ...env,
    // The tools a GitHub runner image carries that this host lacks: their stand-ins (gh).
    PATH: `${path.join(__dirname, "bin")}:${env.PATH}`,
    HOME: home,
    XDG_CACHE_HOME: path.join(home, ".cache"),
    npm_config_cache: path.join(os.homedir(), ".npm"),
  };
}

/** This user's passwd home's .ssh: where ssh looks, whatever $HOME says. */
export const PASSWD_SSH_DIR = path.join(os.userInfo().homedir, ".ssh");

/**
 * `argv` run in a private mount namespace whose /etc/hosts is this machine's plus `hosts`
 * (written into `scratch`) and, with `sshDir`, whose PASSWD_SSH_DIR is that folder.
 */
export function withHosts(scratch: string, hosts: Record<string, string>, argv: string[], sshDir = ""): [string, string[]] {
  if (process.getuid?.() !== 0)
    throw new Error("runAct's hosts option needs root (unshare --mount): run the pipeline tests as root, as CI does");
  const file = path.join(scratch, "hosts");
  const extra = Object.entries(hosts).map(([name, address]) => `${address}\t${name}\n`);
  writeFileSync(file, `${readFileSync("/etc/hosts", "utf8").trimEnd()}\n${extra.join("")}`);
  // The mount point must exist; an empty ~/.ssh is what ssh would make itself.
  if (sshDir) mkdirSync(PASSWD_SSH_DIR, { recursive: true, mode: 0o700 });
  // --propagation private: the bind mounts never reach the machine's own namespace.
  const script = 'mount --bind "$1" /etc/hosts && if [ -n "$2" ]; then mount --bind "$2" "$3"; fi && shift 3 && exec "$@"';
  return ["unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", file, sshDir, PASSWD_SSH_DIR, ...argv]];
}

/** Runs one job (and the jobs it needs) of a workflow in `repo.work`; never throws on a failed job. */
export function runAct(repo: Repo, o: ActOptions): ActRun {
  const { maps, missing } = localRepositories();
  const scratch = mkdtempSync(path.join(repo.dir, "act-"));
  const home = path.join(scratch, "home");
  mkdirSync(home);
  const event = path.join(scratch, "event.json");
  writeFileSync(event, JSON.stringify(o.payload));
  const kv = (file: string, values: Record<string, string>) => {
    writeFileSync(
      path.join(scratch, file),
      Object.entries(values)
        // A value of several lines (a private key) double-quoted with \n escapes, as godotenv reads it.
        .map(([k, v]) => `${k}=${v.includes("\n") ? JSON.stringify(v) : v}\n`)
        .join(""),
    );
    return path.join(scratch, file);
  };
  const args = [
    o.event,
    "-e", event,
    "-W", path.join(".github/workflows", o.workflow),
    ...(o.job ? ["-j", o.job] : []),
    "-P", "ubuntu-24.04=-self-hosted",
    "--no-skip-checkout",
    "--action-cache-path", path.join(scratch, "cache"),
    "--secret-file", kv("secrets.env", o.secrets ?? {}),
    "--var-file", kv("vars.env", o.vars ?? {}),
    "--env", `TASKFLOW_PIPELINE_REMOTE=${repo.remote}`,
    "--env", "GITHUB_REPOSITORY=taskflow/taskflow",
    ...Object.entries(o.env ?? {}).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ...maps.flatMap((m) => ["--local-repository", m]),
  ]; // prettier-ignore
  const started = Date.now();
  const sshDir = path.join(home, ".ssh");
  if (o.ssh) mkdirSync(sshDir, { mode: 0o700 });
  const [command, argv] = o.hosts ? withHosts(scratch, o.hosts, [ACT, ...args], o.ssh ? sshDir : "") : [ACT, args];
  // HOME is the run's own: a step that writes ~/.ssh or ~/.docker writes there.
  const run = spawnSync(command, argv, {
    cwd: repo.work,
    encoding: "utf8",
    env: runnerEnv(home),
    timeout: (o.timeoutSeconds ?? 600) * 1000,
    maxBuffer: 64 << 20,
  });
  const log = `${run.stdout ?? ""}${run.stderr ?? ""}${missing.length ? `\n(no stand-in for ${missing.join(", ")})` : ""}`;
  // TASKFLOW_PIPELINE_LOGS=<dir>: keep each run's whole log there, to read a failure.
  if (process.env.TASKFLOW_PIPELINE_LOGS)
    writeFileSync(path.join(process.env.TASKFLOW_PIPELINE_LOGS, `${o.workflow}-${o.job ?? "all"}-${started}.log`), log);
  return { status: run.status, log, seconds: (Date.now() - started) / 1000 };
}
