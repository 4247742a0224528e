// A load client that never retries, for counting what real API clients see during a
// rollout. Each of N connections is its own keep-alive socket (one Agent, one socket)
// that sends a request, reads the whole response, and sends the next. A failed request
// is counted and never sent again; the next request opens a new socket, as a pooled
// client would. Nothing is forgiven: resets, an early EOF, refused connections,
// timeouts and every non-2xx count. Traffic goes to 127.0.0.1 only.
import * as http from "node:http";
import * as https from "node:https";

export type FailureKind = "reset" | "eof" | "refused" | "timeout" | "other";

export interface Sample { t: number; ms: number; status: number; method: "GET" | "POST" }
export interface Failure { t: number; kind: FailureKind; code: string; method: "GET" | "POST" }

export interface StrictTrace {
  samples: Sample[];
  failures: Failure[];
  /** Titles of the tasks the API answered 201 for (POST mode): each must be stored exactly once. */
  created: string[];
}

export interface StrictReport {
  requests: number;
  non2xx: number;
  /** Socket errors of every kind (resets, early EOFs, refused connections, other). */
  errors: number;
  timeouts: number;
  byKind: Record<FailureKind, number>;
  p50: number;
  p99: number;
  max: number;
  created: number;
}

export interface StrictLoadOptions {
  port: number;
  connections: number;
  path?: string;
  /** Every Nth request of a connection is a POST of a new task to this path (0: GETs only). */
  postEvery?: number;
  postPath?: string;
  /** Per-request timeout; a slower answer counts as a timeout. */
  timeoutMs?: number;
  /** The load stops by itself after this long, whatever happens. */
  maxSeconds?: number;
  /** HTTPS with this SNI/Host, trusting `ca`. */
  tls?: { servername: string; ca?: string };
  /** A tag in POSTed titles, so a test can find its own rows. */
  runId?: string;
}

export function classify(err: NodeJS.ErrnoException): FailureKind {
  if (err.code === "ECONNRESET" && err.message === "socket hang up") return "eof";
  if (err.code === "ECONNRESET" || err.code === "EPIPE") return "reset";
  if (err.code === "ECONNREFUSED") return "refused";
  if (err.code === "ETIMEDOUT" || err.code === "ESOCKETTIMEDOUT" || err.message === "strict-client timeout") return "timeout";
  return "other";
}

/** Starts the load; `stop()` ends it after the requests in flight finish, and returns the trace. */
export function startStrictLoad(o: StrictLoadOptions) {
  const trace: StrictTrace = { samples: [], failures: [], created: [] };
  const timeoutMs = o.timeoutMs ?? 10_000;
  const runId = o.runId ?? `load-${process.pid}-${Date.now()}`;
  let stopping = false;
  const lib = o.tls ? https : http;
  const deadline = setTimeout(() => { stopping = true; }, (o.maxSeconds ?? 180) * 1000);

  const connection = async (index: number) => {
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    let n = 0;
    while (!stopping) {
      n++;
      const post = (o.postEvery ?? 0) > 0 && n % o.postEvery! === 0;
      const title = post ? `${runId}-${index}-${n}` : "";
      await once(lib, agent, o, post, title, timeoutMs, trace);
    }
    agent.destroy();
  };
  const all = Promise.all(Array.from({ length: o.connections }, (_, i) => connection(i)));
  return {
    trace,
    runId,
    stop: async (): Promise<StrictTrace> => { stopping = true; await all; clearTimeout(deadline); return trace; },
  };
}

function once(lib: typeof http | typeof https, agent: http.Agent, o: StrictLoadOptions, post: boolean, title: string,
  timeoutMs: number, trace: StrictTrace): Promise<void> {
  const method = post ? "POST" : "GET";
  const body = post ? JSON.stringify({ title }) : undefined;
  const start = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const fail = (err: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      trace.failures.push({ t: Date.now(), kind: classify(err), code: err.code ?? err.message, method });
      resolve();
    };
    const req = lib.request({
      host: "127.0.0.1", port: o.port, method, agent,
      path: post ? (o.postPath ?? "/api/v1/tasks") : (o.path ?? "/api/v1/status"),
      headers: {
        ...(body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}),
        ...(o.tls ? { host: `${o.tls.servername}:${o.port}` } : {}),
      },
      ...(o.tls ? { servername: o.tls.servername, ca: o.tls.ca, rejectUnauthorized: o.tls.ca !== undefined } : {}),
    }, (res) => {
      res.on("data", () => {});
      res.on("error", fail);
      res.on("end", () => {
        if (settled) return;
        settled = true;
        const status = res.statusCode ?? 0;
        trace.samples.push({ t: Date.now(), ms: Date.now() - start, status, method });
        if (post && status === 201) trace.created.push(title);
        resolve();
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("strict-client timeout"), { code: "ETIMEDOUT" })));
    req.on("error", fail);
    req.end(body);
  });
}

/** Counts over a time window [from, to] (ms since the epoch), or over the whole trace. */
export function report(trace: StrictTrace, from = -Infinity, to = Infinity): StrictReport {
  const samples = trace.samples.filter((s) => s.t >= from && s.t <= to);
  const failures = trace.failures.filter((f) => f.t >= from && f.t <= to);
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const q = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] : 0);
  const byKind: Record<FailureKind, number> = { reset: 0, eof: 0, refused: 0, timeout: 0, other: 0 };
  for (const f of failures) byKind[f.kind]++;
  return {
    requests: samples.length + failures.length,
    non2xx: samples.filter((s) => s.status < 200 || s.status >= 300).length,
    errors: failures.length - byKind.timeout,
    timeouts: byKind.timeout,
    byKind,
    p50: q(0.5), p99: q(0.99), max: ms.at(-1) ?? 0,
    created: trace.created.length,
  };
}
