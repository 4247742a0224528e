// Helpers of the real-Docker tests: bounded strict load through the gateway on
// 127.0.0.1 and the writes it made; the rest (running rehearsals, Docker objects,
// removal) is rehearsal/client.ts, which the benchmark shares.
import { report, startStrictLoad, StrictReport } from "../../bench/strictClient";
import { containers, docker, Tls } from "../../rehearsal/client";

export * from "../../rehearsal/client";

export type LoadReport = StrictReport;

/**
 * Constant load on the gateway (127.0.0.1 only) until `stop()` or `maxSeconds`, from a
 * client that never retries (bench/strictClient.ts): keep-alive connections, as API
 * clients hold them, and every reset, early EOF, timeout and non-2xx counted. With
 * `postEvery`, every Nth request of a connection POSTs a task; `created` lists the
 * titles answered 201.
 */
export function startLoad(port: number, connections: number, maxSeconds = 180, urlPath = "/api/v1/status", tls?: Tls, postEvery = 0) {
  const load = startStrictLoad({ port, connections, maxSeconds, path: urlPath, tls, postEvery });
  return {
    runId: load.runId,
    stop: async (): Promise<LoadReport & { titles: string[] }> => {
      const trace = await load.stop();
      return { ...report(trace), titles: trace.created };
    },
  };
}

/**
 * Runs `action` (an update) inside constant load on the gateway: a second of steady
 * traffic before it, and one after it (old replicas gone), then the load's report.
 */
export async function underLoad<T>(
  port: number,
  connections: number,
  action: () => Promise<T>,
  tls?: Tls,
  postEvery = 0,
): Promise<{ result: T; load: LoadReport & { titles: string[] } }> {
  const load = startLoad(port, connections, 180, "/api/v1/status", tls, postEvery);
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
