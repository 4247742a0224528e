// `npm run bench:rollout [-- --rounds R --connections 10,100]`
// Rolls out v2 and back to v1 R times per concurrency, under constant keep-alive load
// through a gateway on 127.0.0.1, three ways: this project (the program via the
// rehearsal), the naive stop-and-recreate, and a swarm start-first service. Prints a
// table; writes JSON, an SVG chart and the README table (bench/results/).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import { HTTP_PROBE_PY } from "../components/gates";
import { LABELS } from "../components/shared";
import { loadConfig } from "../config";
import { ROOT, stackFileConfig } from "../config/stackFile";
import { containers, docker, dockerUnavailable, freePort, get, networkOf, rehearse, removeStack, uniqueStack } from "../rehearsal/client";
import { ChartRun, renderChart } from "./chart";
import { traceLoad, WindowStats, windowStats } from "./load";
import { envFileFrom, naiveWay, pulumiWay, Strategy, swarmWay, waitFor } from "./strategies";

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

interface Run {
  strategy: string;
  connections: number;
  round: number;
  kind: "rollout" | "rollback";
  seconds: number;
  steady: WindowStats;
  during: WindowStats;
}

function args() {
  const argv = process.argv.slice(2);
  const value = (flag: string, fallback: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  return { rounds: Number(value("--rounds", "5")), connections: value("--connections", "10,100").split(",").map(Number) };
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

async function servesVersion(port: number, version: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if ((await get(port, "/api/v1/status")).body.version === version) return;
    } catch {
      /* not yet */
    }
    await sleep(0.1);
  }
  throw new Error(`gateway on ${port} did not serve ${version} within ${seconds}s`);
}

async function measure(strategy: Strategy, connections: number, round: number, target: string, chart: ChartRun[]): Promise<Run> {
  const load = traceLoad(strategy.port, connections, 600);
  await sleep(3); // steady state before the change
  const start = Date.now();
  await strategy.rollTo(target);
  // Done when clients get the new version through the gateway, not when the tool
  // returns: the naive way's outage outlasts its command.
  await servesVersion(strategy.port, target.split(":")[1], 60);
  const end = Date.now();
  await sleep(2); // and the tail after the tool returns
  const trace = await load.stop();
  const kind = target.endsWith(":v2") ? "rollout" : "rollback";
  if (connections === 100 && round === 1 && kind === "rollout") chart.push({ name: strategy.name, trace, start, end });
  const run: Run = {
    strategy: strategy.name,
    connections,
    round,
    kind,
    seconds: (end - start) / 1000,
    steady: windowStats(trace, start - 2500, start),
    during: windowStats(trace, start, end + 2000),
  };
  console.log(
    `  ${strategy.name} c=${connections} #${round} ${kind}: ${run.seconds.toFixed(1)}s, ${run.during.requests} req, ` +
      `${run.during.non2xx} non-2xx, ${run.during.errors} errors, ${run.during.timeouts} timeouts, p99 ${run.during.p99} ms (steady ${run.steady.p99} ms)`,
  );
  return run;
}

interface Row {
  strategy: string;
  connections: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  max: number;
  steadyP99: number;
  rolloutSeconds: number;
  rollbackSeconds: number;
}

function summarize(runs: Run[]): Row[] {
  const keys = [...new Set(runs.map((r) => `${r.strategy}|${r.connections}`))];
  return keys.map((k) => {
    const rs = runs.filter((r) => `${r.strategy}|${r.connections}` === k);
    const sum = (f: (r: Run) => number) => rs.reduce((a, r) => a + f(r), 0);
    return {
      strategy: rs[0].strategy,
      connections: rs[0].connections,
      requests: sum((r) => r.during.requests),
      non2xx: sum((r) => r.during.non2xx),
      errors: sum((r) => r.during.errors),
      timeouts: sum((r) => r.during.timeouts),
      p50: median(rs.map((r) => r.during.p50)),
      p99: median(rs.map((r) => r.during.p99)),
      max: Math.max(...rs.map((r) => r.during.max)),
      steadyP99: median(rs.map((r) => r.steady.p99)),
      rolloutSeconds: median(rs.filter((r) => r.kind === "rollout").map((r) => r.seconds)),
      rollbackSeconds: median(rs.filter((r) => r.kind === "rollback").map((r) => r.seconds)),
    };
  });
}

function table(rows: Row[], floor: number, gate: number): string {
  const head =
    "| way | clients | requests in rollout windows | non-2xx | socket errors | timeouts | p50 / p99 / max ms (rollout) | p99 ms (steady) | rollout s | rollback s |";
  const lines = rows.map(
    (r) =>
      `| ${r.strategy} | ${r.connections} | ${r.requests} | ${r.non2xx} | ${r.errors} | ${r.timeouts} | ${r.p50} / ${r.p99} / ${r.max} | ${r.steadyP99} | ${r.rolloutSeconds.toFixed(1)} | ${r.rollbackSeconds.toFixed(1)} |`,
  );
  return [
    head,
    "|---|---|---|---|---|---|---|---|---|---|",
    ...lines,
    "",
    `Rollout/rollback s: from starting the tool until the gateway serves the new version. Floor (container start to first healthy /health): ${floor.toFixed(1)} s. Configured health-gate time (two gates x attempts x interval): ${gate} s.`,
  ].join("\n");
}

// Why the wall-time budget (floor + gates) is missed when it is: measured phase by phase
// with no load, a rollout is ~11.8 s (program start ~1.5 s, migration ~0.4 s, first
// Docker health check ~1.3 s, two gates ~3.2 s each, cutover ~0.2 s, deleting the old
// replicas ~1.1 s); under load the clients, Caddy and the replicas share the two cores.
const WALL_TIME_WHY =
  "the budget counts only the floor and the gates; a rollout also starts the program (~1.5 s), runs the migration (~0.4 s), " +
  "waits for Docker's first health check (~1.3 s), sets the gateway's upstreams (and waits 2 s for Caddy's next lookup) and deletes the old replicas (~1.3 s); under load the load generator, " +
  "Caddy and the replicas share two cores, which stretches every step (11.8 s with no load)";

/** The issue's targets, for this project's way; says by how much and why a miss misses. */
function verdicts(rows: Row[], floor: number, gate: number): string[] {
  const ours = rows.filter((r) => r.strategy.startsWith("pulumi"));
  const budget = 1.5 * (floor + gate);
  return ours.flatMap((r) => [
    `${r.connections} clients, failed requests (strict client): ${r.non2xx + r.errors + r.timeouts} (target 0) ${r.non2xx + r.errors + r.timeouts === 0 ? "MET" : "MISSED"}`,
    `${r.connections} clients, p99 rollout/steady: ${(r.p99 / Math.max(1, r.steadyP99)).toFixed(2)}x (target <= 2x) ${r.p99 <= 2 * Math.max(1, r.steadyP99) ? "MET" : "MISSED"}`,
    `${r.connections} clients, rollout ${r.rolloutSeconds.toFixed(1)} s / rollback ${r.rollbackSeconds.toFixed(1)} s (target <= ${budget.toFixed(1)} s = 1.5 x (floor + gate)) ` +
      `${Math.max(r.rolloutSeconds, r.rollbackSeconds) <= budget ? "MET" : `MISSED by ${(Math.max(r.rolloutSeconds, r.rollbackSeconds) - budget).toFixed(1)} s: ${WALL_TIME_WHY}`}`,
  ]);
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
  const dev = loadConfig(stackFileConfig("dev"));
  const gate = 2 * dev.healthGate.attempts * dev.healthGate.intervalSeconds;
  const runs: Run[] = [];
  const chart: ChartRun[] = [];
  const started = new Date();
  let floor = 0;
  try {
    const first = await rehearse(stack, { ...sets, image: "taskflow-api:v1" });
    if (!first.ok) throw new Error(`deploy failed: ${first.error}`);
    floor = measureFloor(stack);
    console.log(`bench: floor ${floor.toFixed(1)} s; ${rounds} rounds x ${connections.join("/")} clients`);
    const naive = naiveWay(stack, port);
    const swarm = swarmWay(stack, swarmPort);
    for (const [strategy, setup, teardown] of [
      [pulumiWay(stack, port, sets), () => {}, () => {}],
      [naive, () => naive.setup(), () => naive.teardown()],
      [swarm, () => swarm.setup(), () => swarm.teardown()],
    ] as [Strategy, () => void, () => void][]) {
      setup();
      try {
        for (const c of connections) {
          for (let r = 1; r <= rounds; r++) {
            runs.push(await measure(strategy, c, r, "taskflow-api:v2", chart));
            runs.push(await measure(strategy, c, r, "taskflow-api:v1", chart));
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
  const text = table(rows, floor, gate);
  const targets = verdicts(rows, floor, gate);
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  const dir = path.join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const machine = `${execFileSync("nproc").toString().trim()} cores, Docker ${docker("version", "-f", "{{.Server.Version}}")}`;
  const json = JSON.stringify(
    { started: started.toISOString(), machine, rounds, connections, floorSeconds: floor, gateSeconds: gate, rows, targets, runs },
    null,
    1,
  );
  writeFileSync(path.join(dir, `rollout-${stamp}.json`), json);
  writeFileSync(path.join(dir, "rollout-latest.svg"), renderChart(chart));
  const report = `Run ${started.toISOString().slice(0, 16)}Z on ${machine}, ${rounds} rollouts + ${rounds} rollbacks per row (\`npm run bench:rollout\`; every figure in \`bench/results/rollout-${stamp}.json\`).\n\n${text}\n\nTargets (this project):\n${targets.map((t) => `- ${t}`).join("\n")}\n\n![latency and failures during one rollout at 100 clients](bench/results/rollout-latest.svg)`;
  writeFileSync(path.join(dir, "rollout-latest.md"), report + "\n");
  updateReadme(report);
  console.log(`\n${text}\n\n${targets.join("\n")}\n\nbench: results in bench/results/ (rollout-${stamp}.json, rollout-latest.svg)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
