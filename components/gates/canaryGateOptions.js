// The canary gate's options and their command line, both directions, in one place:
// commands.ts builds the argv with toArgv (typed by canaryGateOptions.d.ts) and
// canary-gate.js reads it back with parseArgv; a round-trip test holds the two together.
// Dependency-free CommonJS, so the plain Node script can load it.
"use strict";

const USAGE = `usage: canary-gate.js --gateway EDGE --stack STACK --log FILE --port N --health-path P --interval S
  --canary-count N --window S --min-requests N --max-error-increase X --max-latency-ratio R --latency-slack-ms MS
  --replica NAME...
Adds --canary-count of the new replicas (--replica, in order) to the old ones the gateway
serves, watches what every Caddy of STACK logs of each upstream (FILE) for --window
seconds, then passes (the cutover follows) or sets the gateway back to exactly the old
replicas and fails. Exit 0 pass or nothing to compare, 1 fail, 64 usage.`;

// [flag, key, kind, check]: every value is checked here, before anything runs.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const FLAGS = [
  ["--gateway", "gateway", "string", (v) => NAME.test(v)],
  ["--stack", "stack", "string", (v) => NAME.test(v)],
  ["--log", "logFile", "string", (v) => /^\/[A-Za-z0-9._/-]+$/.test(v) && !v.split("/").includes("..")],
  ["--port", "port", "number", (v) => Number.isInteger(v) && v >= 1 && v <= 65535],
  ["--health-path", "healthPath", "string", (v) => /^\/[A-Za-z0-9._~/-]*$/.test(v)],
  ["--interval", "intervalSeconds", "number", (v) => Number.isInteger(v) && v >= 1],
  ["--canary-count", "canaryCount", "number", (v) => Number.isInteger(v) && v >= 1],
  ["--window", "windowSeconds", "number", (v) => v > 0],
  ["--min-requests", "minRequests", "number", (v) => Number.isInteger(v) && v >= 1],
  ["--max-error-increase", "maxErrorIncrease", "number", (v) => v >= 0 && v <= 1],
  ["--max-latency-ratio", "maxLatencyRatio", "number", (v) => v >= 1],
  ["--latency-slack-ms", "latencySlackMs", "number", (v) => v >= 0],
];

/** The argv (after `node canary-gate.js`) that says `o`. */
function toArgv(o) {
  const argv = [];
  for (const [flag, key] of FLAGS) argv.push(flag, String(o[key]));
  for (const r of o.replicas) argv.push("--replica", r);
  return argv;
}

/** The options an argv says; throws with the usage on anything missing, unknown or malformed. */
function parseArgv(argv) {
  const byFlag = new Map(FLAGS.map((f) => [f[0], f]));
  const o = { replicas: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag ?? "(end)"} needs a value\n${USAGE}`);
    if (flag === "--replica") {
      if (!NAME.test(value)) throw new Error(`--replica needs a container name, got ${JSON.stringify(value)}\n${USAGE}`);
      o.replicas.push(value);
      continue;
    }
    const f = byFlag.get(flag);
    if (!f) throw new Error(`unknown argument ${flag}\n${USAGE}`);
    const [, key, kind, check] = f;
    const v = kind === "number" ? Number(value) : value;
    if ((kind === "number" && (value.trim() === "" || !Number.isFinite(v))) || !check(v))
      throw new Error(`${flag}: ${JSON.stringify(value)} is not valid\n${USAGE}`);
    o[key] = v;
  }
  for (const [flag, key] of FLAGS) if (o[key] === undefined) throw new Error(`missing ${flag}\n${USAGE}`);
  if (o.replicas.length === 0) throw new Error(`at least one --replica is required\n${USAGE}`);
  return o;
}

exports.USAGE = USAGE;
exports.toArgv = toArgv;
exports.parseArgv = parseArgv;
