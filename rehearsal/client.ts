// Driving rehearsals from another program (the real-Docker tests, the benchmark):
// preflight, running a rehearsal as its own process (a fresh program run, like
// `pulumi up`), plain requests to the gateway on 127.0.0.1, the Docker objects a stack
// labeled, and removal of everything a stack created (found by its label).
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { LABELS } from "../components/shared";
import { ROOT } from "../config/stackFile";
import type { Step } from "../conformance/plan";
import type { Timing } from "./engine";
import { engineKind, realUp } from "./realEngine";
import { rehearsalStateFile } from "./stateFile";

export const REQUIRED_IMAGES = [
  "taskflow-postgres:15",
  "taskflow-redis:7",
  "taskflow-caddy:2.6",
  "taskflow-api:v1",
  "taskflow-api:v2",
  "taskflow-api:test",
  "taskflow-api:never-healthy",
  "taskflow-api:bad-migration",
  "taskflow-api:flaky",
  "taskflow-api:slow-start",
  "taskflow-api:errors",
];

/** Why real-Docker tests cannot run here, or undefined when they can. */
export function dockerUnavailable(): string | undefined {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 });
  } catch {
    return "no Docker engine answers (`docker info` failed); .ci/run installs and starts one";
  }
  const missing = REQUIRED_IMAGES.filter((i) => {
    try {
      execFileSync("docker", ["image", "inspect", i], { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  return missing.length ? `images missing: ${missing.join(", ")} (run scripts/build-images.sh)` : undefined;
}

export const uniqueStack = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export interface RehearsalResult {
  ok: boolean;
  error?: string;
  outputs: { url?: string; image?: string; replicaNames?: string[]; [k: string]: unknown };
  counts: Record<string, number>;
  seconds: number;
  /** Each step in the order it started (conformance/plan.ts). */
  plan?: Step[];
  /** `type name` of the step that failed (e.g. `command:local:Command taskflow-api-migration`). */
  failedStep?: string;
  /** The rehearsal's own: each provider call's start and end (ms since the epoch). */
  timings?: Timing[];
  log: string;
}

/**
 * Runs `npm run rehearse` (the CLI) for one stack, or the real `pulumi up` where the
 * toolchain is installed (rehearsal/realEngine.ts); resolves with its result and log.
 * `base` says where the config starts: dev's stack file unless told otherwise.
 */
export function rehearse(
  stack: string,
  sets: Record<string, unknown>,
  extra: string[] = [],
  base = ["--config-from", "dev"],
): Promise<RehearsalResult> {
  // Where the real toolchain is installed (or TASKFLOW_ENGINE=real), the real `pulumi up`.
  if (engineKind() === "real") return realUp(stack, sets, extra, base);
  const dir = mkdtempSync(path.join(os.tmpdir(), "rehearsal-"));
  const resultFile = path.join(dir, "result.json");
  const args = [
    "-r",
    "ts-node/register/transpile-only",
    "rehearsal/cli.ts",
    "--stack",
    stack,
    ...base,
    "--result",
    resultFile,
    ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`]),
    ...extra,
  ];
  return new Promise((resolve) => {
    const child = spawn("node", args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (b) => {
      log += b;
    });
    child.stderr.on("data", (b) => {
      log += b;
    });
    child.on("close", () => {
      let result: Omit<RehearsalResult, "log">;
      try {
        result = JSON.parse(readFileSync(resultFile, "utf8"));
      } catch {
        result = { ok: false, error: "no result written", outputs: {}, counts: {}, seconds: 0 };
      }
      rmSync(dir, { recursive: true, force: true });
      if (process.env.REHEARSAL_VERBOSE) console.log(log);
      resolve({ ...result, log });
    });
  });
}

/** How to reach an HTTPS gateway on 127.0.0.1: the site name (SNI, Host) and the CA to trust. */
export interface Tls {
  servername: string;
  ca?: string;
}

export interface Response {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
  certificate?: string;
}

/**
 * GETs a path through the gateway on a new connection (no pool). Caddy closes idle
 * keep-alive connections when a cutover reloads it, and undici's fetch does not retry
 * a request it sends on such a pooled connection (browsers do). The load tests keep
 * their connections busy and count every failure.
 */
export function get(port: number, urlPath: string, tls?: Tls): Promise<Response> {
  return new Promise((resolve, reject) => {
    const common = { host: "127.0.0.1", port, path: urlPath, agent: false, timeout: 5000 };
    const onResponse = (res: http.IncomingMessage) => {
      // Read before the socket closes: the certificate the gateway presented.
      const certificate = tls ? (res.socket as import("node:tls").TLSSocket).getPeerCertificate().fingerprint256 : undefined;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => {
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers, certificate });
      });
    };
    // Over HTTPS the certificate is verified against `ca` for `servername` (rejectUnauthorized).
    const req = tls
      ? https.get({ ...common, servername: tls.servername, ca: tls.ca, headers: { host: `${tls.servername}:${port}` } }, onResponse)
      : http.get(common, onResponse);
    req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on("error", reject);
  });
}

export function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * `docker` without blocking this process: for actions taken while the load runs here
 * (a blocked event loop would stall the load client and show up as its latency).
 */
export function dockerAsync(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("docker", args, { encoding: "utf8" }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
    );
  });
}

/** Names of running containers of a stack with a role (and version) label. */
export function containers(stack: string, role: string, version?: string): string[] {
  const filters = [
    "--filter",
    `label=${LABELS.stack}=${stack}`,
    "--filter",
    `label=${LABELS.role}=${role}`,
    ...(version ? ["--filter", `label=${LABELS.version}=${version}`] : []),
  ];
  const out = docker("ps", "-a", ...filters, "--format", "{{.Names}}");
  return out ? out.split("\n").sort() : [];
}

/** Id of a stack's network with a role label (edge, internal). */
export function networkOf(stack: string, role: string): string {
  return docker("network", "ls", "-q", "--filter", `label=${LABELS.stack}=${stack}`, "--filter", `label=${LABELS.role}=${role}`);
}

/** Destroys a stack's rehearsal state, then removes anything still labeled with it. */
export async function removeStack(stack: string): Promise<void> {
  await rehearse(stack, {}, ["--destroy"]);
  removeLabeled(stack);
  rmSync(rehearsalStateFile(stack), { force: true });
}

/**
 * `docker network rm`, again every second for up to 30 s while the engine says the
 * network is still in use (a removed swarm service's tasks hold its overlay networks for
 * a moment after their containers are gone).
 */
function removeNetwork(id: string): void {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      docker("network", "rm", id);
      return;
    } catch (e) {
      if (!/in use|active endpoints/.test((e as Error).message) || Date.now() > until) throw e;
      execFileSync("sleep", ["1"]);
    }
  }
}

/** Removes every Docker object labeled with the stack: what a failed or interrupted run left behind. */
export function removeLabeled(stack: string): void {
  const ids = (kind: string[]) =>
    docker(...kind, "-q", "--filter", `label=${LABELS.stack}=${stack}`)
      .split("\n")
      .filter(Boolean);
  // Swarm objects exist only while the engine is in a swarm.
  const swarmIds = (kind: string) => {
    try {
      return ids([kind, "ls"]);
    } catch {
      return [];
    }
  };
  for (const svc of swarmIds("service")) docker("service", "rm", svc);
  for (const sec of swarmIds("secret")) docker("secret", "rm", sec);
  const leftovers = [...ids(["ps", "-a"])];
  if (leftovers.length) docker("rm", "-f", ...leftovers);
  for (const n of ids(["network", "ls"])) removeNetwork(n);
  for (const v of ids(["volume", "ls"])) docker("volume", "rm", "-f", v);
}
