// The health gate's options and their command line, both directions, in one place:
// commands.ts builds the argv with toArgv (typed by healthGateOptions.d.ts)
// and health-gate.js reads it back with parseArgv. A round-trip test
// (the unit tests' health-gate.test.ts) holds the two ends together. Dependency-free
// CommonJS, so the plain Node script can load it.
"use strict";

const USAGE = `usage: health-gate.js [--gateway-url URL [--gateway-ca-from CONTAINER [--gateway-ca-path FILE]]] --expect-version V
  --port N --health-path P --status-path P --attempts K --interval S --timeout S
  (--replica NAME... | --service NAME --task-count N --network NET --probe-image IMAGE --stack STACK)
Without --gateway-url only the replicas are checked (the gate before the cutover).
--service: a swarm service's tasks, found by tasks.NAME from a probe container on NET;
  exactly N tasks must answer.
--gateway-ca-from: trust the root of Caddy's internal CA, read from that Caddy container;
  --gateway-ca-path: another root file there instead (gateway.acmeCaRoot's).`;

// Flag -> [option path, kind]. Order is the argv order.
const SCALARS = [
  ["--gateway-url", "gatewayUrl", "string", true],
  ["--gateway-ca-from", "gatewayCaFrom", "string", true],
  ["--gateway-ca-path", "gatewayCaPath", "string", true],
  ["--expect-version", "expectedVersion", "string"],
  ["--port", "port", "number"],
  ["--health-path", "healthPath", "string"],
  ["--status-path", "statusPath", "string"],
  ["--attempts", "attempts", "number"],
  ["--interval", "intervalSeconds", "number"],
  ["--timeout", "timeoutSeconds", "number"],
];
const SERVICE = [
  ["--service", "name", "string"],
  ["--task-count", "taskCount", "number"],
  ["--network", "network", "string"],
  ["--probe-image", "probeImage", "string"],
  ["--stack", "stack", "string"],
];

/** The argv (after `node health-gate.js`) that says `o`. */
function toArgv(o) {
  const argv = [];
  for (const [flag, key, , optional] of SCALARS) {
    if (optional && o[key] === undefined) continue;
    argv.push(flag, String(o[key]));
  }
  for (const r of o.replicas) argv.push("--replica", r);
  if (o.service) for (const [flag, key] of SERVICE) argv.push(flag, String(o.service[key]));
  return argv;
}

/** The options an argv says; throws with the usage on anything missing, unknown or malformed. */
function parseArgv(argv) {
  const byFlag = new Map([
    ...SCALARS.map((s) => [s[0], { ...spec(s), into: "top" }]),
    ...SERVICE.map((s) => [s[0], { ...spec(s), into: "service" }]),
  ]);
  const o = { replicas: [] };
  const service = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag ?? "(end)"} needs a value\n${USAGE}`);
    if (flag === "--replica") {
      o.replicas.push(value);
      continue;
    }
    const s = byFlag.get(flag);
    if (!s) throw new Error(`unknown argument ${flag}\n${USAGE}`);
    const v = s.kind === "number" ? Number(value) : value;
    if (s.kind === "number" && (value.trim() === "" || !Number.isFinite(v)))
      throw new Error(`${flag} needs a number, got ${JSON.stringify(value)}\n${USAGE}`);
    (s.into === "top" ? o : service)[s.key] = v;
  }
  for (const [flag, key, , optional] of SCALARS) {
    if (!optional && o[key] === undefined) throw new Error(`missing ${flag}\n${USAGE}`);
  }
  if (Object.keys(service).length > 0) {
    for (const [flag, key] of SERVICE) if (service[key] === undefined) throw new Error(`--service needs ${flag}\n${USAGE}`);
    o.service = service;
  } else if (o.replicas.length === 0) {
    throw new Error(`at least one --replica (or --service) is required\n${USAGE}`);
  }
  return o;
}

function spec([, key, kind]) {
  return { key, kind };
}

exports.USAGE = USAGE;
exports.toArgv = toArgv;
exports.parseArgv = parseArgv;
