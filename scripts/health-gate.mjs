#!/usr/bin/env node
// Health gate: passes when every replica (and the gateway, with --gateway-url) answer
// the health path with 200 and report the expected version on the status path,
// `--attempts` rounds in a row, within `--timeout` seconds. Exit 0 pass, 1 fail, 64 usage.
// Replicas are probed from inside their own container (docker exec, python3, as the
// Docker HEALTHCHECK does); the gateway over HTTP from here, as clients reach it.
import { spawnSync } from "node:child_process";
import * as http from "node:http";
import * as https from "node:https";
import { pathToFileURL } from "node:url";

const USAGE = `usage: health-gate.mjs [--gateway-url URL [--gateway-ca-from CONTAINER]] --expect-version V
  --port N --health-path P --status-path P --attempts K --interval S --timeout S
  (--replica NAME... | --service NAME --task-count N --network NET --probe-image IMAGE --stack STACK)
Without --gateway-url only the replicas are checked (the gate before the cutover).
--service: a swarm service's tasks, found by tasks.NAME from a probe container on NET;
  exactly N tasks must answer.
--gateway-ca-from: trust the root of Caddy's internal CA, read from that gateway container.`;

/** Where Caddy keeps its internal CA's root certificate (XDG_DATA_HOME=/data). */
export const INTERNAL_CA_ROOT = "/data/caddy/pki/authorities/local/root.crt";

export function parseArgs(argv) {
  const opts = { replicas: [] };
  const numeric = new Set(["port", "attempts", "interval", "timeout", "taskCount"]);
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag?.startsWith("--") || value === undefined) throw new Error(`bad argument near ${flag ?? "(end)"}\n${USAGE}`);
    const key = flag.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (key === "replica") opts.replicas.push(value);
    else opts[key] = numeric.has(key) ? Number(value) : value;
  }
  for (const k of ["expectVersion", "port", "healthPath", "statusPath", "attempts", "interval", "timeout"]) {
    if (opts[k] === undefined || Number.isNaN(opts[k])) throw new Error(`missing or bad --${k}\n${USAGE}`);
  }
  if (opts.service !== undefined) {
    for (const k of ["taskCount", "network", "probeImage", "stack"]) {
      if (opts[k] === undefined || Number.isNaN(opts[k])) throw new Error(`--service needs --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\n${USAGE}`);
    }
  } else if (opts.replicas.length === 0) throw new Error(`at least one --replica (or --service) is required\n${USAGE}`);
  return opts;
}

// Python probes, run inside containers: "<health status> <version>" for a base URL.
const PROBE_FUNCTIONS = [
  "import json, socket, sys, urllib.request",
  "def get(url):",
  "    try:",
  "        r = urllib.request.urlopen(url, timeout=2)",
  "        return r.status, r.read()",
  "    except Exception as e:",
  "        return getattr(e, 'code', 0), b''",
  "def probe(base, health_path, status_path):",
  "    health, _ = get(base + health_path)",
  "    _, body = get(base + status_path)",
  "    try:",
  "        version = json.loads(body).get('version', '')",
  "    except Exception:",
  "        version = ''",
  "    return f'{health} {version}'",
];

/** In a replica: argv = base URL, health path, status path. */
export const REPLICA_PROBE_PY = [...PROBE_FUNCTIONS, "print(probe(sys.argv[1], sys.argv[2], sys.argv[3]))"].join("\n");

/** On the service's network: every address of tasks.<service>, one "<ip> <health> <version>" line each. */
export const SERVICE_PROBE_PY = [
  ...PROBE_FUNCTIONS,
  "name, port = sys.argv[1], int(sys.argv[2])",
  "try:",
  "    ips = sorted({a[4][0] for a in socket.getaddrinfo(name, port, proto=socket.IPPROTO_TCP)})",
  "except OSError:",
  "    ips = []",
  "for ip in ips:",
  "    print(ip, probe(f'http://{ip}:{port}', sys.argv[3], sys.argv[4]))",
].join("\n");

/** The last line of a failed command's stderr: its reason, without the noise before it. */
const lastLine = (stderr) => (stderr || "").trim().split("\n").at(-1);

export function serviceProbeArgv(opts) {
  return ["docker", "run", "--rm", "--network", opts.network,
    "--label", `taskflow.stack=${opts.stack}`, "--label", "taskflow.role=health-gate",
    "--cap-drop", "ALL", "--security-opt", "no-new-privileges:true", "--memory", "64m",
    opts.probeImage, "python3", "-c", SERVICE_PROBE_PY,
    `tasks.${opts.service}`, String(opts.port), opts.healthPath, opts.statusPath];
}

/** Failures of one round over a swarm service's tasks: each must pass, and exactly `taskCount` must answer. */
export function judgeService(stdout, opts) {
  const lines = stdout.trim().split("\n").filter(Boolean);
  const failures = lines.flatMap((line) => {
    const [ip, status, version = ""] = line.split(/\s+/);
    const r = judge(Number(status), version, opts.expectVersion);
    return r.ok ? [] : [`task ${ip}: ${r.why}`];
  });
  if (lines.length !== opts.taskCount) failures.push(`service ${opts.service}: ${lines.length} task(s) answer, expected ${opts.taskCount}`);
  return failures;
}

function probeService(opts) {
  const [cmd, ...args] = serviceProbeArgv(opts);
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return [`probe container failed: ${lastLine(r.stderr)}`];
  return judgeService(r.stdout, opts);
}

export function replicaProbeArgv(replica, opts) {
  return ["docker", "exec", replica, "python3", "-c", REPLICA_PROBE_PY,
    `http://127.0.0.1:${opts.port}`, opts.healthPath, opts.statusPath];
}

function probeReplica(replica, opts) {
  const [cmd, ...args] = replicaProbeArgv(replica, opts);
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) return { ok: false, why: `docker exec failed: ${lastLine(r.stderr)}` };
  const [status, version = ""] = r.stdout.trim().split(/\s+/);
  return judge(Number(status), version, opts.expectVersion);
}

/** GET on a fresh connection (a cutover closes Caddy's idle keep-alives); `ca` replaces the trusted roots. */
export function httpGet(url, { ca, timeoutMs = 5000 } = {}) {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { agent: false, timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => { body += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** The internal CA's root from the gateway container, once it exists (Caddy makes it at start). */
function internalCaRoot(container) {
  const r = spawnSync("docker", ["exec", container, "cat", INTERNAL_CA_ROOT], { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`cannot read ${INTERNAL_CA_ROOT} from ${container}: ${lastLine(r.stderr)}`);
  return r.stdout;
}

async function probeGateway(opts) {
  try {
    const ca = opts.gatewayCaFrom ? (opts.ca ??= internalCaRoot(opts.gatewayCaFrom)) : undefined;
    const get = (path) => httpGet(new URL(path, opts.gatewayUrl), { ca });
    const health = await get(opts.healthPath);
    const status = await get(opts.statusPath);
    let version = "";
    try { version = JSON.parse(status.body).version ?? ""; } catch { /* judged below */ }
    return judge(health.status, String(version), opts.expectVersion);
  } catch (e) {
    return { ok: false, why: `request failed: ${e.message}` };
  }
}

export function judge(status, version, expected) {
  if (status !== 200) return { ok: false, why: `health answered ${status || "nothing"}` };
  if (version !== expected) return { ok: false, why: `reports version "${version}", expected "${expected}"` };
  return { ok: true };
}

export async function runGate(opts, { probeOne = probeReplica, probeSvc = probeService, probeGw = probeGateway, sleep, now = Date.now, log = console.log } = {}) {
  sleep ??= (s) => new Promise((r) => setTimeout(r, s * 1000));
  const deadline = now() + opts.timeout * 1000;
  let streak = 0;
  let round = 0;
  let lastFailures = [];
  while (now() < deadline) {
    round += 1;
    const failures = opts.service !== undefined ? probeSvc(opts) : [];
    for (const replica of opts.replicas) {
      const r = probeOne(replica, opts);
      if (!r.ok) failures.push(`${replica}: ${r.why}`);
    }
    if (opts.gatewayUrl !== undefined) {
      const gw = await probeGw(opts);
      if (!gw.ok) failures.push(`gateway ${opts.gatewayUrl}: ${gw.why}`);
    }
    streak = failures.length === 0 ? streak + 1 : 0;
    lastFailures = failures;
    log(`health-gate: round ${round}: ${failures.length === 0 ? `pass (${streak}/${opts.attempts})` : `fail: ${failures.join("; ")}`}`);
    if (streak >= opts.attempts) return true;
    await sleep(opts.interval);
  }
  log(`health-gate: FAILED after ${opts.timeout}s: ${lastFailures.join("; ") || "not enough passing rounds in a row"}`);
  return false;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`health-gate: ${e.message}`);
    process.exit(64);
  }
  process.exit((await runGate(opts)) ? 0 : 1);
}
