// The canary's analysis: what the gateway saw of each upstream during the window, and the
// verdict that compares the new replicas with the old ones. Pure (no I/O), dependency-free
// CommonJS, so canary-gate.js and the unit tests share it; typed by canaryAnalysis.d.ts.
//
// The source is Caddy's own debug line for every round trip to an upstream (v2.6.2
// modules/caddyhttp/reverseproxy/reverseproxy.go:808-828): `"msg":"upstream roundtrip"`
// with `upstream` (the dialed ip:port), `duration` (seconds until the upstream's response
// headers) and `status`, or `error` when no response came. The Caddyfile writes these to
// its own file (caddyfile.ts upstreamLog). What the gateway saw works for any API image,
// with or without a /metrics of its own.
"use strict";

/** A client that went away cancels the round trip: not the replica's fault, not counted. */
const CLIENT_GONE = /context canceled/;

/**
 * One round trip from a Caddy log line: { ts (ms), ip, durationMs, status (0 when no
 * response), error }, or undefined for any other line (other messages, other loggers,
 * a line cut by a log roll).
 */
function parseRoundtrip(line) {
  if (!line.includes('"upstream roundtrip"')) return undefined;
  let e;
  try {
    e = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (e.msg !== "upstream roundtrip" || typeof e.upstream !== "string" || typeof e.ts !== "number") return undefined;
  const error = typeof e.error === "string" ? e.error : undefined;
  if (error !== undefined && CLIENT_GONE.test(error)) return undefined;
  return {
    ts: e.ts * 1000,
    ip: hostOf(e.upstream),
    durationMs: typeof e.duration === "number" ? e.duration * 1000 : 0,
    status: typeof e.status === "number" ? e.status : 0,
    error,
  };
}

/** "172.18.0.5:8000" -> "172.18.0.5" ("[fd00::5]:8000" -> "fd00::5"). */
function hostOf(upstream) {
  const m = /^\[?([^\]]*?)\]?:\d+$/.exec(upstream);
  return m ? m[1] : upstream;
}

/** A failed round trip: a 5xx, or no response at all (refused, reset, timed out). */
const isError = (r) => r.status === 0 || r.status >= 500;

/** Requests, errors and durations of one side (new or old) in the window. */
function newSide() {
  return { requests: 0, errors: 0, durationsMs: [] };
}

/** Round trips since `sinceMs`, split by whether the upstream is one of `newIps`. */
function newTally() {
  return { new: newSide(), old: newSide() };
}

function add(tally, r, newIps, sinceMs) {
  if (r.ts < sinceMs) return;
  const side = newIps.has(r.ip) ? tally.new : tally.old;
  side.requests += 1;
  if (isError(r)) side.errors += 1;
  else side.durationsMs.push(r.durationMs);
}

/** The p-th percentile (nearest rank) of answered round trips' durations; 0 with none. */
function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const ratio = (s) => (s.requests === 0 ? 0 : s.errors / s.requests);
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const count = (n) => n.toLocaleString("en-US");

/** "18.4 % 5xx over 1,204 requests, p99 45 ms" */
function describeSide(s) {
  const p99 = s.durationsMs.length > 0 ? `, p99 ${Math.round(percentile(s.durationsMs, 99))} ms` : "";
  return `${pct(ratio(s))} 5xx over ${count(s.requests)} requests${p99}`;
}

function describe(tally) {
  return `new: ${describeSide(tally.new)}; old: ${describeSide(tally.old)}`;
}

/**
 * The verdict on the window so far: { decided, pass, why }.
 * - Fewer than `minRequests` reached the new replicas: not judged (an idle stack is not
 *   judged on noise); at the end of the window that passes, and says so.
 * - Error rule, checked as soon as the new replicas have `minRequests`: their share of
 *   failed round trips may exceed the old replicas' by at most `maxErrorIncrease`. A
 *   failure decides at once (fewer clients see the bad release); a pass waits for the end.
 * - Latency rule, at the end and only with `minRequests` on both sides: the new p99 may
 *   exceed the old p99 by `maxLatencyRatio` times only within `latencySlackMs` (a few ms
 *   of a cold start are not a slower release).
 */
function judge(tally, rules, final) {
  const n = tally.new;
  const o = tally.old;
  const figures = describe(tally);
  if (n.requests < rules.minRequests) {
    if (!final) return { decided: false };
    return {
      decided: true,
      pass: true,
      judged: false,
      why: `not judged: ${count(n.requests)} requests reached the new replicas in the window (fewer than minRequests ${rules.minRequests}); ${figures}`,
    };
  }
  if (ratio(n) > ratio(o) + rules.maxErrorIncrease) {
    return {
      decided: true,
      pass: false,
      judged: true,
      why: `${figures} (more than ${pct(rules.maxErrorIncrease)} above the old replicas' 5xx share)`,
    };
  }
  if (!final) return { decided: false };
  if (o.requests >= rules.minRequests && n.durationsMs.length > 0 && o.durationsMs.length > 0) {
    const np99 = percentile(n.durationsMs, 99);
    const op99 = percentile(o.durationsMs, 99);
    if (np99 > op99 * rules.maxLatencyRatio && np99 - op99 > rules.latencySlackMs) {
      return {
        decided: true,
        pass: false,
        judged: true,
        why: `${figures} (the new p99 is over ${rules.maxLatencyRatio}x the old one and over ${rules.latencySlackMs} ms above it)`,
      };
    }
  }
  return { decided: true, pass: true, judged: true, why: figures };
}

/**
 * The names `gateway-upstreams show` lists as chosen (between "chosen:" and "probe:"):
 * the replicas the gateway serves before the canary.
 */
function chosenNames(showOutput) {
  const lines = showOutput.split("\n");
  const start = lines.indexOf("chosen:");
  if (start < 0) return [];
  const out = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("probe:") || line === "served:") break;
    if (line.trim() !== "") out.push(line.trim());
  }
  return out;
}

exports.parseRoundtrip = parseRoundtrip;
exports.hostOf = hostOf;
exports.newTally = newTally;
exports.add = add;
exports.percentile = percentile;
exports.judge = judge;
exports.describe = describe;
exports.chosenNames = chosenNames;
