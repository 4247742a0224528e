// `npm run bench:canary [-- --window 20 --connections 10,100]`
// The canary under paced load (strict client, 127.0.0.1 only), for each connection count:
// a good release without the canary and with it (the time the canary adds), then a
// release that answers 500 to a quarter of real requests, which the canary must roll
// back (the update fails naming the figures, v1 keeps serving), then v1 again (a normal
// update). Counted per update: requests, 5xx, socket errors, timeouts, and the writes
// answered 201 against those stored. Prints a table; writes bench/results/canary-*.json.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import { ROOT } from "../config/stackFile";
import { containers, docker, dockerUnavailable, freePort, rehearse, removeStack, uniqueStack } from "../rehearsal/client";
import { flag, runMain, sleep } from "./cli";
import { report, startStrictLoad } from "./strictClient";

const ERROR_SHARE = 0.25;

interface Row {
  connections: number;
  rate: number;
  release: string;
  canary: boolean;
  ok: boolean;
  seconds: number;
  /** The canary's own line: passed (with its figures), FAILED (with them), or skipped. */
  verdict: string;
  requests: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  writesAnswered: number;
  writesStored: number;
  /** Stored although the client never got its 201: must be 0. */
  writesNeverAnswered: number;
}

/** Paced at 10 a second per connection, at most 400 a second: below this machine's capacity (775-925/s). */
const rateFor = (connections: number) => Math.min(10 * connections, 400);

async function main(): Promise<number> {
  const windowSeconds = Number(flag("--window", "20"));
  const counts = flag("--connections", "10,100").split(",").map(Number);
  const why = dockerUnavailable();
  if (why) {
    console.error(`bench: cannot run: ${why}`);
    return 2;
  }
  const stack = uniqueStack("bench-canary");
  const port = await freePort();
  const base = { "gateway.hostPort": port, "api.replicas": 2 };
  const rows: Row[] = [];
  const started = new Date();
  try {
    const first = await rehearse(stack, { ...base, image: "taskflow-api:v1" });
    if (!first.ok) throw new Error(`deploy failed: ${first.error}`);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "bench-canary-read" }),
    });
    const readPath = `/api/v1/tasks/${((await res.json()) as { id: number }).id}`;
    for (const connections of counts) {
      const rate = rateFor(connections);
      const update = async (release: string, canary: boolean, more: Record<string, unknown> = {}) => {
        const runId = `bench-canary-${connections}-${rows.length}`;
        const load = startStrictLoad({ port, connections, ratePerSecond: rate, path: readPath, postEvery: 20, maxSeconds: 600, runId });
        await sleep(2);
        const r = await rehearse(stack, {
          ...base,
          image: `taskflow-api:${release}`,
          "canary.enabled": canary,
          "canary.windowSeconds": windowSeconds,
          ...more,
        });
        await sleep(2);
        const trace = await load.stop();
        const seen = report(trace);
        const stored = storedTitles(stack, runId);
        const row: Row = {
          connections,
          rate,
          release,
          canary,
          ok: r.ok,
          seconds: r.seconds,
          verdict: (`${r.log}\n${r.error ?? ""}`.match(/canary: (passed|FAILED|skipped)[^\n]*/g) ?? ["(no canary)"]).at(-1)!,
          requests: seen.requests,
          non2xx: seen.non2xx,
          socketErrors: seen.errors,
          timeouts: seen.timeouts,
          writesAnswered: trace.created.length,
          writesStored: stored.length,
          writesNeverAnswered: stored.filter((t) => !trace.created.includes(t)).length,
        };
        rows.push(row);
        console.log(
          `  ${connections} conns @ ${rate}/s ${release}${canary ? " + canary" : ""}: ${r.ok ? "succeeded" : "FAILED"} in ${r.seconds.toFixed(1)} s; ` +
            `${row.requests} requests, ${row.non2xx} non-2xx, ${row.socketErrors} socket errors, ${row.timeouts} timeouts; ` +
            `writes ${row.writesAnswered} answered, ${row.writesStored} stored\n    ${row.verdict}`,
        );
      };
      await update("v2", false);
      await update("v1", true);
      await update("errors", true, { "api.env": { TASKFLOW_APP_ERROR_SHARE: String(ERROR_SHARE) } });
      await update("v1", true);
    }
  } finally {
    await removeStack(stack);
  }
  printTable(rows, windowSeconds);
  const dir = path.join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `canary-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ started: started.toISOString(), windowSeconds, errorShare: ERROR_SHARE, rows }, null, 1));
  console.log(`bench: results in ${path.relative(ROOT, file)}`);
  const wrong = rows.filter(
    (r) =>
      r.ok !== (r.release !== "errors") ||
      r.socketErrors + r.timeouts > 0 ||
      r.writesStored !== r.writesAnswered ||
      r.writesNeverAnswered > 0 ||
      (r.release !== "errors" && r.non2xx > 0),
  );
  return wrong.length === 0 ? 0 : 1;
}

/** The titles of this run's POSTs stored in Postgres. */
function storedTitles(stack: string, runId: string): string[] {
  const [pg] = containers(stack, "postgres");
  return docker("exec", pg, "psql", "-U", "taskflow", "-d", "taskflow", "-Atc", `SELECT title FROM tasks WHERE title LIKE '${runId}-%'`)
    .split("\n")
    .filter(Boolean);
}

function printTable(rows: Row[], windowSeconds: number) {
  console.log(`\ncanary window ${windowSeconds} s, the faulty release answers 500 to ${ERROR_SHARE * 100} % of real requests`);
  console.log(
    "| connections (rate) | release | canary | result | seconds | requests | 5xx seen | socket errors + timeouts | writes answered / stored |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.connections} (${r.rate}/s) | ${r.release} | ${r.canary ? "on" : "off"} | ${r.ok ? "succeeded" : "failed"} | ${r.seconds.toFixed(1)} | ` +
        `${r.requests} | ${r.non2xx} | ${r.socketErrors + r.timeouts} | ${r.writesAnswered} / ${r.writesStored} |`,
    );
  }
}

runMain(main);
