// A load client that never retries, for counting what real API clients see during a
// rollout. Each of N connections is its own keep-alive socket that sends a request,
// reads the whole response, and sends the next: at once (closed loop, as fast as the
// server answers: a stress load), or, with `ratePerSecond`, on a fixed schedule (open
// loop, as wrk2 paces it: latency counts from the time a request was due, so a stall
// delays no measurement; coordinated omission corrected). A failed request
// is counted and never sent again; the next request opens a new socket, as a pooled
// client would. Nothing is forgiven: resets, an early EOF, refused connections,
// timeouts and every non-2xx count. Traffic goes to 127.0.0.1 only.
import * as net from "node:net";
import * as tls from "node:tls";

export type FailureKind = "reset" | "eof" | "refused" | "timeout" | "other";

export interface Sample {
  t: number;
  ms: number;
  status: number;
  method: "GET" | "POST";
}
export interface Failure {
  t: number;
  kind: FailureKind;
  code: string;
  method: "GET" | "POST";
}

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
  /** Every Nth request of the load (over all connections) is a POST of a new task to this path (0: GETs only). */
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
  /**
   * Requests per second over all connections, each connection sending on its own fixed
   * schedule (staggered); without it every connection sends as soon as it has an answer.
   */
  ratePerSecond?: number;
}

export function classify(err: NodeJS.ErrnoException): FailureKind {
  if (err.code === "ECONNRESET" || err.code === "EPIPE") return "reset";
  if (err.code === "ECONNREFUSED") return "refused";
  if (err.code === "ETIMEDOUT" || err.code === "ESOCKETTIMEDOUT" || err.message === "strict-client timeout") return "timeout";
  return "other";
}

/**
 * Starts the load; `stop()` ends it after the requests in flight finish, and returns the
 * trace. Each connection is one raw TCP (or TLS) socket speaking HTTP/1.1 keep-alive,
 * parsed here: Node's http.Agent costs several times the CPU per request, and on two
 * cores a heavy client slows the very rollout it measures.
 */
export function startStrictLoad(o: StrictLoadOptions) {
  const trace: StrictTrace = { samples: [], failures: [], created: [] };
  const timeoutMs = o.timeoutMs ?? 10_000;
  const runId = o.runId ?? `load-${process.pid}-${Date.now()}`;
  if (o.ratePerSecond !== undefined && !(o.ratePerSecond > 0 && Number.isFinite(o.ratePerSecond))) {
    throw new Error(`ratePerSecond must be a positive number of requests per second, got ${o.ratePerSecond}`);
  }
  let stopping = false;
  const wakers = new Set<() => void>();
  const stop = () => {
    stopping = true;
    for (const wake of [...wakers]) wake();
  };
  const deadline = setTimeout(stop, (o.maxSeconds ?? 180) * 1000);
  const host = o.tls ? `${o.tls.servername}:${o.port}` : `127.0.0.1:${o.port}`;
  // Open loop: connection i sends its n-th request at t0 + (i / N + n) x period.
  const period = o.ratePerSecond ? (o.connections / o.ratePerSecond) * 1000 : 0;
  const t0 = Date.now();
  const waitUntil = (t: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, t - Date.now()));
      wakers.add(done);
    });

  // Counted over the whole load, so a paced connection that sends once a second still
  // carries its share of POSTs in a short update.
  let sent = 0;
  const connection = async (index: number) => {
    const conn = new Connection(o, timeoutMs);
    let n = 0;
    while (!stopping) {
      const due = period ? t0 + (index / o.connections + n) * period : Date.now();
      if (due > Date.now()) await waitUntil(due);
      if (stopping) break;
      n++;
      sent++;
      const post = (o.postEvery ?? 0) > 0 && sent % o.postEvery! === 0;
      const title = post ? `${runId}-${index}-${n}` : "";
      const method = post ? "POST" : "GET";
      const body = post ? JSON.stringify({ title }) : "";
      const path = post ? (o.postPath ?? "/api/v1/tasks") : (o.path ?? "/api/v1/status");
      const head =
        `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: taskflow-strict-client\r\n` +
        (post ? `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` : "") +
        "\r\n";
      // From when it was due (open loop), not when it could be sent.
      const start = period ? due : Date.now();
      const r = await conn.exchange(head + body);
      if ("status" in r) {
        trace.samples.push({ t: Date.now(), ms: Math.round(Date.now() - start), status: r.status, method });
        if (post && r.status === 201) trace.created.push(title);
      } else {
        trace.failures.push({ t: Date.now(), kind: r.kind, code: r.code, method });
      }
    }
    conn.close();
  };
  const all = Promise.all(Array.from({ length: o.connections }, (_, i) => connection(i)));
  return {
    trace,
    runId,
    stop: async (): Promise<StrictTrace> => {
      stop();
      await all;
      clearTimeout(deadline);
      return trace;
    },
  };
}

type Outcome = { status: number } | { kind: FailureKind; code: string };

/**
 * One keep-alive connection. `exchange` sends one request and resolves with its status
 * or with why it failed; it never re-sends. After a failure, or a `Connection: close`
 * response, the next exchange opens a new socket (as a pooled client would).
 */
class Connection {
  private socket?: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (o: Outcome) => void; timer: NodeJS.Timeout };

  constructor(
    private o: StrictLoadOptions,
    private timeoutMs: number,
  ) {}

  exchange(request: string): Promise<Outcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.finish({ kind: "timeout", code: "ETIMEDOUT" }, true), this.timeoutMs);
      this.pending = { resolve, timer };
      const socket = this.socket ?? this.open();
      socket.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): net.Socket {
    const socket = this.o.tls
      ? tls.connect({
          host: "127.0.0.1",
          port: this.o.port,
          servername: this.o.tls.servername,
          ca: this.o.tls.ca,
          rejectUnauthorized: this.o.tls.ca !== undefined,
        })
      : net.connect({ host: "127.0.0.1", port: this.o.port });
    socket.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      if (socket !== this.socket) return;
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.parse();
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (socket === this.socket) this.finish({ kind: classify(err), code: err.code ?? err.message }, true);
    });
    // The server closed the connection: a request on it that got no full answer failed.
    socket.on("close", () => {
      if (socket === this.socket) this.finish({ kind: "eof", code: "EOF before a full response" }, true);
    });
    this.socket = socket;
    return socket;
  }

  private parse(): void {
    const end = this.buf.indexOf("\r\n\r\n");
    if (end < 0 || !this.pending) return;
    const head = this.buf.subarray(0, end).toString("latin1");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) {
      // Not framed by Content-Length (chunked, or read to close): count it, start afresh.
      this.finish({ kind: "other", code: `unframed response (${status})` }, true);
      return;
    }
    if (this.buf.length < end + 4 + length) return;
    this.buf = this.buf.subarray(end + 4 + length);
    this.finish({ status }, /\r\nconnection: *close/i.test(head));
  }

  private finish(outcome: Outcome, dropSocket: boolean): void {
    const p = this.pending;
    if (dropSocket) this.close();
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    p.resolve(outcome);
  }
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
    p50: q(0.5),
    p99: q(0.99),
    max: ms.at(-1) ?? 0,
    created: trace.created.length,
  };
}
