#!/usr/bin/env node
// Canary gate: runs after the replica gate, before the cutover. The gateway serves the
// old replicas and `--canary-count` new ones together for `--window` seconds; the gate
// reads what every Caddy of the stack logs of each round trip (canaryAnalysis.js) and
// compares the new replicas' 5xx share and p99 with the old ones' in the same window.
// Pass: exit 0, the gateway keeps serving both until the cutover makes it the new ones
// only. Fail: the gateway is set back to exactly the old replicas (they still run:
// nothing is deleted before the end of the update), the figures are printed, exit 1, and
// the update fails. Nothing to compare (no old replicas: a first deploy, or a cutover
// that already ran) or a set the gateway refuses (an old replica unhealthy now): the
// canary is skipped with the reason, exit 0; the cutover and the health gate still run.
//
// Upstream sets change with gateway-upstreams `show` and `set` (components/gateway/image),
// which every gateway edge image has: an edge keeps its image (gateway.ts ignoreChanges).
"use strict";
const { execFile, spawn } = require("node:child_process");
const analysis = require("./canaryAnalysis.js");
const canaryGateOptions = require("./canaryGateOptions.js");
const labels = require("../shared/labels.js");

const EXEC_TIMEOUT_MS = 30_000;
/** How often the error rule is checked during the window, and progress printed. */
const TICK_MS = 1000;
const PROGRESS_EVERY_TICKS = 5;

function run(cmd, args, timeoutMs = EXEC_TIMEOUT_MS) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
    });
  });
}

const lastLine = (text) => (text || "").trim().split("\n").at(-1);

/**
 * Streams a Caddy's upstream log, from the start of the current file and across rolls
 * (tail -F), to `onLine`. The container's own `timeout` ends the tail: a killed
 * `docker exec` client does not stop the process it started.
 */
function follow(container, logFile, seconds, onLine) {
  const child = spawn("docker", ["exec", container, "timeout", String(Math.ceil(seconds)), "tail", "-F", "-q", "-n", "+1", logFile], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let rest = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop();
    for (const line of lines) onLine(line);
  });
  child.on("error", () => {});
  return () => child.kill("SIGKILL");
}

const defaultIo = {
  run,
  follow,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: Date.now,
  log: (line) => console.log(line),
  /** A failure's reason goes to stderr: the command's error, and so the update's, ends with it. */
  fail: (line) => console.error(line),
};

/** `gateway-upstreams set` with the probe settings the cutover uses. */
function setArgv(opts, names) {
  // prettier-ignore
  return ["exec", opts.gateway, "gateway-upstreams", "set",
    "--port", String(opts.port), "--health-path", opts.healthPath, "--interval", String(opts.intervalSeconds), ...names];
}

/**
 * Sets the gateway back to the old replicas. `set` refuses a replica that does not answer
 * its health check now; such a one is left out and the rest set (the gateway's own
 * watch would leave it out as well).
 */
async function restore(opts, old, io) {
  let names = [...old];
  while (names.length > 0) {
    const r = await io.run("docker", setArgv(opts, names));
    if (r.status === 0) return { ok: true, names };
    const refused = /gateway-upstreams: (\S+) /.exec(lastLine(r.stderr))?.[1];
    if (!refused || !names.includes(refused)) return { ok: false, why: lastLine(r.stderr) || `exit ${r.status}` };
    io.log(`canary: ${refused} does not answer its health check; set back without it`);
    names = names.filter((n) => n !== refused);
  }
  return { ok: false, why: "no old replica answers its health check" };
}

async function runCanary(opts, io = defaultIo) {
  const show = await io.run("docker", ["exec", opts.gateway, "gateway-upstreams", "show"]);
  if (show.status !== 0) {
    io.fail(`canary: FAILED: cannot read the gateway's upstream set: ${lastLine(show.stderr)}`);
    return false;
  }
  const old = analysis.chosenNames(show.stdout).filter((n) => !opts.replicas.includes(n));
  if (old.length === 0) {
    io.log("canary: skipped: the gateway serves no old replicas (a first deploy, or the cutover already ran): nothing to compare");
    return true;
  }
  const canary = opts.replicas.slice(0, opts.canaryCount);

  const caddys = await io.run("docker", [
    "ps",
    "-q",
    "--filter",
    `label=${labels.LABELS.stack}=${opts.stack}`,
    "--filter",
    `label=${labels.LABELS.role}=gateway-caddy`,
    "--filter",
    "status=running",
  ]);
  const caddyIds = caddys.stdout.trim().split("\n").filter(Boolean);
  if (caddys.status !== 0 || caddyIds.length === 0) {
    io.fail(`canary: FAILED: no running Caddy of stack ${opts.stack} to read: ${lastLine(caddys.stderr) || "none found"}`);
    return false;
  }
  const ips = await io.run("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", ...canary]);
  if (ips.status !== 0) {
    io.fail(`canary: FAILED: cannot find the new replicas' addresses: ${lastLine(ips.stderr)}`);
    return false;
  }
  const newIps = new Set(ips.stdout.split(/\s+/).filter(Boolean));

  // Round trips count from the moment the canary serves (after set's settle), never before.
  const tally = analysis.newTally();
  let since = Infinity;
  const followSeconds = opts.windowSeconds + 60;
  const stops = caddyIds.map((id) =>
    io.follow(id, opts.logFile, followSeconds, (line) => {
      const r = analysis.parseRoundtrip(line);
      if (r) analysis.add(tally, r, newIps, since);
    }),
  );
  const stopAll = () => stops.forEach((stop) => stop());

  const set = await io.run("docker", setArgv(opts, [...old, ...canary]));
  if (set.status !== 0) {
    stopAll();
    io.log(`canary: skipped: the gateway refused old + canary (${lastLine(set.stderr)}); the cutover decides`);
    return true;
  }
  since = io.now();
  io.log(`canary: ${canary.join(", ")} ${canary.length === 1 ? "serves" : "serve"} beside ${old.join(", ")} for ${opts.windowSeconds}s`);

  const end = since + opts.windowSeconds * 1000;
  let verdict = { decided: false };
  for (let tick = 1; io.now() < end; tick += 1) {
    await io.sleep(Math.min(TICK_MS, Math.max(0, end - io.now())));
    verdict = analysis.judge(tally, opts, false);
    if (verdict.decided) break;
    if (tick % PROGRESS_EVERY_TICKS === 0) io.log(`canary: ${Math.round((io.now() - since) / 1000)}s: ${analysis.describe(tally)}`);
  }
  if (!verdict.decided) verdict = analysis.judge(tally, opts, true);
  stopAll();

  if (verdict.pass) {
    io.log(`canary: passed: ${verdict.why}`);
    return true;
  }
  const back = await restore(opts, old, io);
  const after = back.ok
    ? `rolled back: the gateway serves ${back.names.join(", ")} again`
    : `NOT rolled back (${back.why}): the gateway still serves the canary; RUNBOOK "Canary failed"`;
  io.fail(`canary: FAILED after ${Math.round((io.now() - since) / 1000)}s: ${verdict.why}; ${after}`);
  return false;
}

if (require.main === module) {
  let opts;
  try {
    opts = canaryGateOptions.parseArgv(process.argv.slice(2));
  } catch (e) {
    console.error(`canary-gate: ${e.message}`);
    process.exit(64);
  }
  runCanary(opts).then(
    (ok) => process.exit(ok ? 0 : 1),
    (e) => {
      console.error(`canary: FAILED: ${e.message}`);
      process.exit(1);
    },
  );
}

exports.runCanary = runCanary;
exports.setArgv = setArgv;
