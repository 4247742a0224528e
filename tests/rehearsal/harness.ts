// Helpers of the real-Docker tests: bounded strict load through the gateway on
// 127.0.0.1 and the writes it made; the rest (running rehearsals, Docker objects,
// removal) is rehearsal/client.ts, which the benchmark shares.
import { report, startStrictLoad, StrictReport } from "../../bench/strictClient";
import { containers, docker, Tls } from "../../rehearsal/client";

export * from "../../rehearsal/client";

export type LoadReport = StrictReport;

/**
 * Requests per second of a paced load: 10 per connection, at most 150 in all, well below
 * what the gateway and two replicas serve on this machine's two cores (the benchmark
 * measured 775-925 per second with 100 saturating connections). Below saturation, an update takes the time it
 * takes, not the time the load leaves it, and latency is measured from when each request
 * was due.
 */
export const pacedRate = (connections: number) => Math.min(10 * connections, 150);

export interface LoadOptions {
  /** The load stops by itself after this long. */
  maxSeconds?: number;
  path?: string;
  tls?: Tls;
  /** Every Nth request of the load POSTs a task (0: GETs only). */
  postEvery?: number;
  /**
   * "paced" (the default): open loop at pacedRate. "saturating": every connection sends
   * as soon as it has an answer, for the Caddy-level checks whose failure (a reset on a
   * keep-alive connection closed under it) only a busy connection meets.
   */
  mode?: "paced" | "saturating";
}

/**
 * Load on the gateway (127.0.0.1 only) until `stop()` or `maxSeconds`, from a client
 * that never retries (bench/strictClient.ts): keep-alive connections, as API clients hold
 * them, and every reset, early EOF, timeout and non-2xx counted. With `postEvery`, every
 * Nth request of the load POSTs a task; `titles` lists those answered 201.
 */
export function startLoad(port: number, connections: number, o: LoadOptions = {}) {
  const load = startStrictLoad({
    port,
    connections,
    maxSeconds: o.maxSeconds ?? 180,
    path: o.path ?? "/api/v1/status",
    tls: o.tls,
    postEvery: o.postEvery ?? 0,
    ratePerSecond: (o.mode ?? "paced") === "paced" ? pacedRate(connections) : undefined,
  });
  return {
    runId: load.runId,
    stop: async (): Promise<LoadReport & { titles: string[] }> => {
      const trace = await load.stop();
      return { ...report(trace), titles: trace.created };
    },
  };
}

/**
 * Runs `action` (an update) inside paced load on the gateway: a second of steady traffic
 * before it, and one after it (old replicas gone), then the load's report.
 */
export async function underLoad<T>(
  port: number,
  connections: number,
  action: () => Promise<T>,
  o: Omit<LoadOptions, "maxSeconds"> = {},
): Promise<{ result: T; load: LoadReport & { titles: string[] } }> {
  const load = startLoad(port, connections, o);
  await new Promise((r) => setTimeout(r, 1000));
  const result = await action();
  await new Promise((r) => setTimeout(r, 1000));
  return { result, load: await load.stop() };
}

/** Runs SQL in a stack's Postgres (as the app user) and returns psql's unaligned rows. */
export function psql(stack: string, sql: string, db = "taskflow"): string {
  return docker("exec", containers(stack, "postgres")[0], "psql", "-U", "taskflow", "-d", db, "-Atc", sql);
}

/** The tasks a load POSTed that the API answered 201 for, and only those, are stored: each exactly once. */
export function storedWritesOf(stack: string, titles: string[]): { answered: string[]; stored: string[] } {
  const prefix = titles[0]?.replace(/-\d+-\d+$/, "") ?? "none";
  const stored = psql(stack, `SELECT title FROM tasks WHERE title LIKE '${prefix}-%' ORDER BY title`).split("\n").filter(Boolean);
  return { answered: [...titles].sort(), stored };
}
