#!/usr/bin/env node
// Health gate: passes when every replica (and the gateway, with --gateway-url) answer
// the health path with 200 and report the expected version on the status path,
// `--attempts` rounds in a row, within `--timeout` seconds. Exit 0 pass, 1 fail, 64 usage.
// Replicas are probed from inside their own container (docker exec, python3, as the
// Docker HEALTHCHECK does); the gateway over HTTP from here, as clients reach it. The
// probes of a round run side by side.
//
// It judges the release, not the machine: a probe that gets no answer in time (a
// replica or gateway too busy, a `docker exec` that does not start in time: a saturated
// host) is no verdict; that round neither counts towards the K nor resets them. A wrong
// answer (non-200, another version, a refused or reset connection) resets them at once,
// so a flaky or mismatched release fails as fast as before, and a replica that never
// answers fails at the deadline, as before.
"use strict";
const { execFile } = require("node:child_process");
const http = require("node:http");
const https = require("node:https");
const healthGateOptions = require("./healthGateOptions.js");
const labels = require("../shared/labels.js");
const probes = require("./probes.js");

/** Where Caddy keeps its internal CA's root certificate (XDG_DATA_HOME=/data). */
const INTERNAL_CA_ROOT = "/data/caddy/pki/authorities/local/root.crt";

/** The options (healthGateOptions.js: the same contract that wrote the argv). */
const parseArgs = healthGateOptions.parseArgv;

// The probes that run inside containers (one Python `get`, shared with the Docker HEALTHCHECK).
const { REPLICA_PROBE_PY, SERVICE_PROBE_PY } = probes;

/** The last line of a failed command's stderr: its reason, without the noise before it. */
const lastLine = (stderr) => (stderr || "").trim().split("\n").at(-1);

/** A probe's time for its `docker exec` or `docker run` (python3's start included). */
const EXEC_TIMEOUT_MS = 20_000;
/** The gateway probe's time for each of its two requests. */
const GATEWAY_TIMEOUT_MS = 10_000;

/** Runs a command: its exit status (null when killed), output, and whether it ran out of time. */
function run(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const timedOut = Boolean(err && err.killed);
      resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr, timedOut });
    });
  });
}

/** No verdict: the probe got no answer in time. */
const noVerdict = (why) => ({ ok: false, unknown: true, why });

function serviceProbeArgv(opts) {
  const svc = opts.service;
  return [
    "docker",
    "run",
    "--rm",
    "--network",
    svc.network,
    ...labels.labelArgs(svc.stack, "health-gate"),
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges:true",
    "--memory",
    "64m",
    svc.probeImage,
    "python3",
    "-c",
    SERVICE_PROBE_PY,
    `tasks.${svc.name}`,
    String(opts.port),
    opts.healthPath,
    opts.statusPath,
  ];
}

/**
 * Results of one round over a swarm service's tasks ({ok, why, unknown}): each task must
 * pass, and exactly `taskCount` must answer.
 */
function judgeService(stdout, opts) {
  const lines = stdout.trim().split("\n").filter(Boolean);
  const results = lines.map((line) => {
    const [ip, status, version = ""] = line.split(/\s+/);
    const r = judge(Number(status), version, opts.expectedVersion);
    return r.ok ? r : { ...r, why: `task ${ip}: ${r.why}` };
  });
  const svc = opts.service;
  if (lines.length !== svc.taskCount) {
    results.push({ ok: false, why: `service ${svc.name}: ${lines.length} task(s) answer, expected ${svc.taskCount}` });
  }
  return results;
}

async function probeService(opts) {
  const [cmd, ...args] = serviceProbeArgv(opts);
  const r = await run(cmd, args, EXEC_TIMEOUT_MS);
  if (r.timedOut) return [noVerdict(`probe container did not finish within ${EXEC_TIMEOUT_MS / 1000}s`)];
  if (r.status !== 0) return [{ ok: false, why: `probe container failed: ${lastLine(r.stderr)}` }];
  return judgeService(r.stdout, opts);
}

function replicaProbeArgv(replica, opts) {
  return ["docker", "exec", replica, "python3", "-c", REPLICA_PROBE_PY, `http://127.0.0.1:${opts.port}`, opts.healthPath, opts.statusPath];
}

async function probeReplica(replica, opts) {
  const [cmd, ...args] = replicaProbeArgv(replica, opts);
  const r = await run(cmd, args, EXEC_TIMEOUT_MS);
  if (r.timedOut) return noVerdict(`docker exec did not finish within ${EXEC_TIMEOUT_MS / 1000}s`);
  if (r.status !== 0) return { ok: false, why: `docker exec failed: ${lastLine(r.stderr)}` };
  const [status, version = ""] = r.stdout.trim().split(/\s+/);
  return judge(Number(status), version, opts.expectedVersion);
}

/** GET on a fresh connection (a cutover closes Caddy's idle keep-alives); `ca` replaces the trusted roots. */
function httpGet(url, { ca, timeoutMs = 5000 } = {}) {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { agent: false, timeout: timeoutMs, ...(ca ? { ca } : {}) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { timedOut: true })));
    req.on("error", reject);
  });
}

/**
 * The CA root the gateway's certificate chains to, from its Caddy container: the internal
 * CA's once Caddy made it at start, or gateway.acmeCaRoot's file.
 */
async function caRoot(container, file = INTERNAL_CA_ROOT) {
  const r = await run("docker", ["exec", container, "cat", file], EXEC_TIMEOUT_MS);
  if (r.status !== 0) throw new Error(`cannot read ${file} from ${container}: ${lastLine(r.stderr)}`);
  return r.stdout;
}

async function probeGateway(opts) {
  try {
    const ca = opts.gatewayCaFrom ? (opts.ca ??= await caRoot(opts.gatewayCaFrom, opts.gatewayCaPath)) : undefined;
    const get = (path) => httpGet(new URL(path, opts.gatewayUrl), { ca, timeoutMs: GATEWAY_TIMEOUT_MS });
    const health = await get(opts.healthPath);
    const status = await get(opts.statusPath);
    let version = "";
    try {
      version = JSON.parse(status.body).version ?? "";
    } catch {
      /* judged below */
    }
    return judge(health.status, String(version), opts.expectedVersion);
  } catch (e) {
    if (e.timedOut) return noVerdict(`no answer within ${GATEWAY_TIMEOUT_MS / 1000}s`);
    return { ok: false, why: `request failed: ${e.message}` };
  }
}

function judge(status, version, expected) {
  if (status === -1) return noVerdict("health did not answer within the probe's 5 s");
  if (status !== 200) return { ok: false, why: `health answered ${status || "nothing"}` };
  if (version !== expected) return { ok: false, why: `reports version "${version}", expected "${expected}"` };
  return { ok: true };
}

async function runGate(
  opts,
  { probeOne = probeReplica, probeSvc = probeService, probeGw = probeGateway, sleep, now = Date.now, log = console.log } = {},
) {
  sleep ??= (s) => new Promise((r) => setTimeout(r, s * 1000));
  const deadline = now() + opts.timeoutSeconds * 1000;
  let streak = 0;
  let round = 0;
  let lastFailures = [];
  let lastUnknown = [];
  while (now() < deadline) {
    round += 1;
    const roundStart = now();
    // Every probe of the round at once: a round takes its slowest probe, not their sum.
    const named = await Promise.all([
      ...(opts.service !== undefined ? [Promise.resolve(probeSvc(opts)).then((rs) => rs.map((r) => ({ r, who: "" })))] : []),
      ...opts.replicas.map((replica) => Promise.resolve(probeOne(replica, opts)).then((r) => [{ r, who: `${replica}: ` }])),
      ...(opts.gatewayUrl !== undefined ? [Promise.resolve(probeGw(opts)).then((r) => [{ r, who: `gateway ${opts.gatewayUrl}: ` }])] : []),
    ]);
    const results = named.flat();
    const failures = results.filter(({ r }) => !r.ok && !r.unknown).map(({ r, who }) => `${who}${r.why}`);
    const unknown = results.filter(({ r }) => r.unknown).map(({ r, who }) => `${who}${r.why}`);
    if (failures.length > 0) {
      streak = 0;
      lastFailures = failures;
      log(`health-gate: round ${round}: fail: ${failures.join("; ")}`);
    } else if (unknown.length > 0) {
      lastUnknown = unknown;
      log(`health-gate: round ${round}: no verdict (${streak}/${opts.attempts} kept): ${unknown.join("; ")}`);
    } else {
      streak += 1;
      log(`health-gate: round ${round}: pass (${streak}/${opts.attempts})`);
      if (streak >= opts.attempts) return true;
    }
    // Rounds start `intervalSeconds` apart: the probes' own time is part of the wait.
    await sleep(Math.max(0, opts.intervalSeconds - (now() - roundStart) / 1000));
  }
  const why = lastFailures.length > 0 ? lastFailures : lastUnknown;
  log(`health-gate: FAILED after ${opts.timeoutSeconds}s: ${why.join("; ") || "not enough passing rounds in a row"}`);
  return false;
}

if (require.main === module) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`health-gate: ${e.message}`);
    process.exit(64);
  }
  runGate(opts).then((ok) => process.exit(ok ? 0 : 1));
}

exports.serviceProbeArgv = serviceProbeArgv;
exports.judgeService = judgeService;
exports.replicaProbeArgv = replicaProbeArgv;
exports.httpGet = httpGet;
exports.judge = judge;
exports.runGate = runGate;
exports.INTERNAL_CA_ROOT = INTERNAL_CA_ROOT;
exports.parseArgs = parseArgs;
exports.REPLICA_PROBE_PY = REPLICA_PROBE_PY;
exports.SERVICE_PROBE_PY = SERVICE_PROBE_PY;
