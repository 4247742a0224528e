// `npm run bench:rollout [-- --rounds R --connections 10,100]`
// Rolls out v2 and back to v1 R times per load through a gateway on 127.0.0.1, three
// ways: this project (the program via the rehearsal), the naive stop-and-recreate, and
// a swarm start-first service. The loads: none; paced (open loop) at half the capacity
// measured first in the same run, with each connection count; and one saturating stress
// row. Prints a table and this project's phase budget; writes JSON, an SVG chart and the
// README table (bench/results/).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import { HTTP_PROBE_PY } from "../components/gates";
import { LABELS } from "../components/shared";
import { ROOT } from "../config/stackFile";
import { containers, docker, dockerUnavailable, freePort, get, networkOf, rehearse, removeStack, uniqueStack } from "../rehearsal/client";
import { ChartRun, renderChart } from "./chart";
import { flag, runMain, sleep } from "./cli";
import { traceLoad, WindowStats, windowStats } from "./load";
import { Phase, PHASE_NAMES, phaseBudget } from "./phases";
import { envFileFrom, naiveWay, pulumiWay, Strategy, swarmWay, waitFor } from "./strategies";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

function args() {
  return { rounds: Number(flag("--rounds", "2")), connections: flag("--connections", "10,100").split(",").map(Number) };
}

/** Seconds from `docker start` of a new API container to its first /health 200 (the floor). */
function measureFloor(stack: string): number {
  // The connection strings hold passwords: they go in a 0600 env file, not on docker's argv.
  const env = envFileFrom(containers(stack, "api")[0]);
  const samples: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const name = `bench-floor-${stack}-${i}`;
      docker(
        "create",
        "--name",
        name,
        "--label",
        `${LABELS.stack}=${stack}`,
        "--network",
        networkOf(stack, "edge"),
        "--env-file",
        env.file,
        "taskflow-api:v2",
      );
      docker("network", "connect", networkOf(stack, "internal"), name);
      const start = Date.now();
      docker("start", name);
      waitFor(() => {
        docker("exec", name, "python3", "-c", HTTP_PROBE_PY, "http://127.0.0.1:8000/health");
      }, 60);
      samples.push((Date.now() - start) / 1000);
      docker("rm", "-f", name);
    }
  } finally {
    env.cleanup();
  }
  return median(samples);
}

/** When the gateway first answered with `version` (polled every 100 ms on fresh connections). */
async function servesVersion(port: number, version: string, seconds: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if ((await get(port, "/api/v1/status")).body.version === version) return Date.now();
    } catch {
      /* not yet */
    }
    await sleep(0.1);
  }
  throw new Error(`gateway on ${port} did not serve ${version} within ${seconds}s`);
}

/** How the clients load the gateway during a run. */
interface Load {
  kind: "none" | "paced" | "saturating";
  connections: number;
  /** Requests per second (paced only). */
  rate?: number;
}

const loadName = (l: Load) =>
  l.kind === "none" ? "no load" : l.kind === "paced" ? `${l.rate}/s paced, ${l.connections} conns` : `saturating, ${l.connections} conns`;

interface Run {
  strategy: string;
  load: Load;
  round: number;
  kind: "rollout" | "rollback";
  /** From starting the tool until it returned and the gateway served the new version. */
  seconds: number;
  /** From starting the tool until the gateway first answered with the new version. */
  servedSeconds: number;
  steady?: WindowStats;
  during?: WindowStats;
  after?: WindowStats;
  phases?: Phase[];
}

/** Requests per second the gateway serves with 100 connections sending as fast as answers come (5 s, after 1 s). */
async function measureCapacity(port: number): Promise<number> {
  const load = traceLoad(port, 100, 60);
  await sleep(6);
  const trace = await load.stop();
  const last = Math.max(...trace.samples.map((s) => s.t));
  const n = trace.samples.filter((s) => s.t > last - 5000).length;
  return n / 5;
}

const STEADY_MS = 3000;
const AFTER_MS = 3000;

async function measure(strategy: Strategy, load: Load, round: number, target: string, chart: ChartRun[]): Promise<Run> {
  const traced = load.kind === "none" ? undefined : traceLoad(strategy.port, load.connections, 600, load.rate);
  if (traced) await sleep(STEADY_MS / 1000 + 0.5);
  const start = Date.now();
  const served = servesVersion(strategy.port, target.split(":")[1], 180);
  served.catch(() => undefined); // awaited below; a failed rollTo ends the run first
  const timings = await strategy.rollTo(target);
  const toolEnd = Date.now();
  // Done when clients get the new version through the gateway too: the naive way's
  // outage outlasts its command.
  const servedAt = await served;
  const end = Math.max(toolEnd, servedAt);
  const kind = target.endsWith(":v2") ? "rollout" : "rollback";
  const run: Run = {
    strategy: strategy.name,
    load,
    round,
    kind,
    seconds: (end - start) / 1000,
    servedSeconds: (servedAt - start) / 1000,
  };
  if (timings) run.phases = phaseBudget(start, toolEnd, timings);
  if (traced) {
    await sleep(AFTER_MS / 1000);
    const trace = await traced.stop();
    if (load.kind === "paced" && load.connections === 100 && round === 1 && kind === "rollout") {
      chart.push({ name: strategy.name, trace, start, end });
    }
    run.steady = windowStats(trace, start - STEADY_MS, start);
    run.during = windowStats(trace, start, end);
    run.after = windowStats(trace, end, end + AFTER_MS);
  }
  const d = run.during;
  console.log(
    `  ${strategy.name} | ${loadName(load)} #${round} ${kind}: ${run.seconds.toFixed(1)}s (serves it after ${run.servedSeconds.toFixed(1)}s)` +
      (d
        ? `, ${d.requests} req, ${d.non2xx} non-2xx, ${d.errors} errors, ${d.timeouts} timeouts, p99 ${d.p99} ms (steady ${run.steady!.p99} ms)`
        : "") +
      (run.phases ? `; ${run.phases.map((p) => `${p.phase} ${p.seconds.toFixed(1)}`).join(", ")}` : ""),
  );
  return run;
}

interface Row {
  strategy: string;
  load: string;
  requests: number;
  failed: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  steady: string;
  during: string;
  after: string;
  steadyP99: number;
  duringP99: number;
  rolloutSeconds: number;
  rollbackSeconds: number;
  servedSeconds: number;
}

function summarize(runs: Run[]): Row[] {
  const keys = [...new Set(runs.map((r) => `${r.strategy}|${loadName(r.load)}`))];
  return keys.map((k) => {
    const rs = runs.filter((r) => `${r.strategy}|${loadName(r.load)}` === k);
    const sum = (f: (r: Run) => number) => rs.reduce((a, r) => a + f(r), 0);
    const window = (w: (r: Run) => WindowStats | undefined) => {
      const ws = rs.map(w).filter((x): x is WindowStats => x !== undefined);
      if (ws.length === 0) return { text: "-", p99: 0 };
      const p99 = median(ws.map((x) => x.p99));
      return { text: `${median(ws.map((x) => x.p50))} / ${p99} / ${Math.max(...ws.map((x) => x.max))}`, p99 };
    };
    const failures = (w?: WindowStats) => (w ? w.non2xx + w.errors + w.timeouts : 0);
    const steady = window((r) => r.steady);
    const during = window((r) => r.during);
    return {
      strategy: rs[0].strategy,
      load: loadName(rs[0].load),
      requests: sum((r) => (r.steady?.requests ?? 0) + (r.during?.requests ?? 0) + (r.after?.requests ?? 0)),
      failed: sum((r) => failures(r.steady) + failures(r.during) + failures(r.after)),
      non2xx: sum((r) => (r.steady?.non2xx ?? 0) + (r.during?.non2xx ?? 0) + (r.after?.non2xx ?? 0)),
      errors: sum((r) => (r.steady?.errors ?? 0) + (r.during?.errors ?? 0) + (r.after?.errors ?? 0)),
      timeouts: sum((r) => (r.steady?.timeouts ?? 0) + (r.during?.timeouts ?? 0) + (r.after?.timeouts ?? 0)),
      steady: steady.text,
      during: during.text,
      after: window((r) => r.after).text,
      steadyP99: steady.p99,
      duringP99: during.p99,
      rolloutSeconds: median(rs.filter((r) => r.kind === "rollout").map((r) => r.seconds)),
      rollbackSeconds: median(rs.filter((r) => r.kind === "rollback").map((r) => r.seconds)),
      servedSeconds: median(rs.map((r) => r.servedSeconds)),
    };
  });
}

function table(rows: Row[], floor: number, capacity: number): string {
  const head =
    "| way | load | rollout s | rollback s | serves the new version after s | requests | failed (non-2xx / socket errors / timeouts) | steady p50 / p99 / max ms | rollout p50 / p99 / max ms | after p50 / p99 / max ms |";
  const lines = rows.map(
    (r) =>
      `| ${r.strategy} | ${r.load} | ${r.rolloutSeconds.toFixed(1)} | ${r.rollbackSeconds.toFixed(1)} | ${r.servedSeconds.toFixed(1)} | ${r.requests} | ${r.failed} (${r.non2xx} / ${r.errors} / ${r.timeouts}) | ${r.steady} | ${r.during} | ${r.after} |`,
  );
  return [
    head,
    "|---|---|---|---|---|---|---|---|---|---|",
    ...lines,
    "",
    `Capacity, measured first in this run: ${capacity.toFixed(0)} requests/s (100 connections sending as fast as answers come); ` +
      `paced rows run at half of it, open loop (latency from each request's intended send time). ` +
      `Rollout/rollback s: from starting the tool until it returned and the gateway served the new version (median); ` +
      `"serves the new version after": until the first answer with it. ` +
      `Windows: steady ${STEADY_MS / 1000} s before, rollout, after ${AFTER_MS / 1000} s. Floor (container start to first healthy /health): ${floor.toFixed(1)} s.`,
  ].join("\n");
}

/** The median seconds of each phase of this project's updates, per load. */
function phaseTable(runs: Run[]): string {
  const ours = runs.filter((r) => r.phases);
  const loads = [...new Set(ours.map((r) => loadName(r.load)))];
  const cell = (load: string, phase: string) =>
    median(ours.filter((r) => loadName(r.load) === load).map((r) => r.phases!.find((p) => p.phase === phase)?.seconds ?? 0)).toFixed(1);
  return [
    `| phase (median s of this project's rollouts and rollbacks) | ${loads.join(" | ")} |`,
    `|---|${loads.map(() => "---").join("|")}|`,
    ...PHASE_NAMES.map((phase) => `| ${phase} | ${loads.map((l) => cell(l, phase)).join(" | ")} |`),
    `| **wall time** | ${loads.map((l) => median(ours.filter((r) => loadName(r.load) === l).map((r) => r.seconds)).toFixed(1)).join(" | ")} |`,
  ].join("\n");
}

/** The issue's targets, for this project's way. */
function verdicts(rows: Row[]): string[] {
  const ours = rows.filter((r) => r.strategy.startsWith("pulumi"));
  const swarmRow = (load: string) => rows.find((r) => r.strategy.startsWith("swarm") && r.load === load);
  const mark = (ok: boolean) => (ok ? "MET" : "MISSED");
  return ours.flatMap((r) => {
    const out = [`${r.load}: failed requests ${r.failed} (target 0) ${mark(r.failed === 0)}`];
    const wall = Math.max(r.rolloutSeconds, r.rollbackSeconds);
    if (r.load === "no load")
      out.push(
        `no load: rollout ${r.rolloutSeconds.toFixed(1)} s / rollback ${r.rollbackSeconds.toFixed(1)} s (target <= 10 s) ${mark(wall <= 10)}`,
      );
    if (r.load.includes("paced")) {
      const s = swarmRow(r.load);
      if (s) {
        const theirs = Math.max(s.rolloutSeconds, s.rollbackSeconds);
        out.push(
          `${r.load}: rollout wall time ${wall.toFixed(1)} s vs swarm start-first ${theirs.toFixed(1)} s (target <= swarm's) ${mark(wall <= theirs)}`,
        );
      }
      const ratio = r.duringP99 / Math.max(1, r.steadyP99);
      out.push(`${r.load}: p99 during the rollout / steady ${ratio.toFixed(2)}x (target <= 1.5x) ${mark(ratio <= 1.5)}`);
    }
    return out;
  });
}

function updateReadme(text: string): void {
  const file = path.join(ROOT, "README.md");
  const readme = readFileSync(file, "utf8");
  const start = "<!-- bench:rollout:start -->",
    end = "<!-- bench:rollout:end -->";
  const i = readme.indexOf(start),
    j = readme.indexOf(end);
  if (i < 0 || j < 0) return;
  writeFileSync(file, readme.slice(0, i + start.length) + "\n" + text + "\n" + readme.slice(j));
}

async function main(): Promise<number> {
  const { rounds, connections } = args();
  const why = dockerUnavailable();
  if (why) {
    console.error(`bench: cannot run: ${why}`);
    return 2;
  }
  const stack = uniqueStack("bench");
  const port = await freePort();
  const swarmPort = await freePort();
  const sets = { "gateway.hostPort": port, "api.replicas": 2 };
  const runs: Run[] = [];
  const chart: ChartRun[] = [];
  const started = new Date();
  let floor = 0;
  let capacity = 0;
  try {
    const first = await rehearse(stack, { ...sets, image: "taskflow-api:v1" });
    if (!first.ok) throw new Error(`deploy failed: ${first.error}`);
    floor = measureFloor(stack);
    await sleep(2);
    capacity = await measureCapacity(port);
    const rate = Math.round(capacity / 2);
    const loads: Load[] = [
      { kind: "none", connections: 0 },
      ...connections.map((c): Load => ({ kind: "paced", connections: c, rate })),
      { kind: "saturating", connections: Math.max(...connections) },
    ];
    console.log(
      `bench: floor ${floor.toFixed(1)} s, capacity ${capacity.toFixed(0)} req/s, paced at ${rate}/s; ` +
        `${rounds} rounds per load (the saturating stress row: 1)`,
    );
    const naive = naiveWay(stack, port);
    const swarm = swarmWay(stack, swarmPort);
    for (const [strategy, setup, teardown] of [
      [pulumiWay(stack, port, sets), () => {}, () => {}],
      [naive, () => naive.setup(), () => naive.teardown()],
      [swarm, () => swarm.setup(), () => swarm.teardown()],
    ] as [Strategy, () => void, () => void][]) {
      setup();
      try {
        for (const load of loads) {
          for (let r = 1; r <= (load.kind === "saturating" ? 1 : rounds); r++) {
            runs.push(await measure(strategy, load, r, "taskflow-api:v2", chart));
            runs.push(await measure(strategy, load, r, "taskflow-api:v1", chart));
          }
        }
      } finally {
        teardown();
      }
    }
  } finally {
    await removeStack(stack);
  }

  const rows = summarize(runs);
  const text = table(rows, floor, capacity);
  const phases = phaseTable(runs);
  const targets = verdicts(rows);
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const dir = path.join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const machine = `${execFileSync("nproc").toString().trim()} cores, Docker ${docker("version", "-f", "{{.Server.Version}}")}`;
  const json = JSON.stringify(
    { started: started.toISOString(), machine, rounds, connections, floorSeconds: floor, capacity, rows, targets, runs },
    null,
    1,
  );
  writeFileSync(path.join(dir, `rollout-${stamp}.json`), json);
  writeFileSync(path.join(dir, "rollout-latest.svg"), renderChart(chart));
  const report =
    `Run ${started.toISOString().slice(0, 16)}Z on ${machine}, ${rounds} rollouts + ${rounds} rollbacks per row, 1 of each in the stress row ` +
    `(\`npm run bench:rollout\`; every figure in \`bench/results/rollout-${stamp}.json\`).\n\n${text}\n\n` +
    `Where this project's update spends its time (rehearsal step timings, bench/phases.ts):\n\n${phases}\n\n` +
    `Targets (this project):\n${targets.map((t) => `- ${t}`).join("\n")}\n\n` +
    `![latency and failures during one rollout at the paced load with ${Math.max(...connections)} connections](bench/results/rollout-latest.svg)`;
  writeFileSync(path.join(dir, "rollout-latest.md"), report + "\n");
  updateReadme(report);
  console.log(
    `\n${text}\n\n${phases}\n\n${targets.join("\n")}\n\nbench: results in bench/results/ (rollout-${stamp}.json, rollout-latest.svg)`,
  );
  return 0;
}

runMain(main);
