// `npm run bench:saturation [-- --rollbacks 5 --connections 100]`
// Deploys and rolls back under saturating load (connections sending as fast as answers
// come, through the gateway on 127.0.0.1): R rollouts to v2, each followed by its
// rollback to v1, must all succeed with no failed request; then the fault tags must
// still fail under the same load (never-healthy at Docker's wait, flaky at the replica
// gate) while v1 keeps serving. What a busy machine must not do is fail a healthy
// release at its gates. Prints each update and writes bench/results/saturation-*.json.
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import { ROOT } from "../config/stackFile";
import { dockerUnavailable, freePort, RehearsalResult, rehearse, removeStack, uniqueStack } from "../rehearsal/client";
import { flag, runMain, sleep } from "./cli";
import { traceLoad, windowStats } from "./load";

function args() {
  return { rollbacks: Number(flag("--rollbacks", "5")), connections: Number(flag("--connections", "100")) };
}

interface Update {
  image: string;
  expect: "pass" | "fail";
  ok: boolean;
  seconds: number;
  error?: string;
  failedStep?: string;
  /** Gate rounds that got no answer in time (health-gate.js "no verdict"), from the update's log. */
  noVerdictRounds: number;
  requests: number;
  failed: number;
  p99: number;
}

async function main(): Promise<number> {
  const { rollbacks, connections } = args();
  const why = dockerUnavailable();
  if (why) {
    console.error(`bench: cannot run: ${why}`);
    return 2;
  }
  const stack = uniqueStack("bench-sat");
  const port = await freePort();
  const sets = { "gateway.hostPort": port, "api.replicas": 2 };
  const updates: Update[] = [];
  const started = new Date();
  try {
    const first = await rehearse(stack, { ...sets, image: "taskflow-api:v1" });
    if (!first.ok) throw new Error(`deploy failed: ${first.error}`);
    const load = traceLoad(port, connections, 3600);
    await sleep(3);
    const update = async (image: string, expect: Update["expect"], more: Record<string, unknown> = {}) => {
      const start = Date.now();
      const r: RehearsalResult = await rehearse(stack, { ...sets, image, ...more });
      const w = windowStats(load.trace, start, Date.now());
      const u: Update = {
        image,
        expect,
        ok: r.ok,
        seconds: r.seconds,
        error: r.error,
        failedStep: r.failedStep,
        noVerdictRounds: (r.log.match(/health-gate: round \d+: no verdict/g) ?? []).length,
        requests: w.requests,
        failed: w.non2xx + w.errors + w.timeouts,
        p99: w.p99,
      };
      updates.push(u);
      console.log(
        `  ${image}: ${u.ok ? "succeeded" : `FAILED at ${u.failedStep}`} in ${u.seconds.toFixed(1)} s (expected to ${expect}); ` +
          `${u.requests} requests, ${u.failed} failed, p99 ${u.p99} ms; gate rounds without a verdict: ${u.noVerdictRounds}` +
          (u.error && expect === "pass" ? `\n    ${u.error}` : ""),
      );
    };
    for (let i = 1; i <= rollbacks; i++) {
      await update("taskflow-api:v2", "pass");
      await update("taskflow-api:v1", "pass");
    }
    await update("taskflow-api:never-healthy", "fail", { "api.waitTimeoutSeconds": 60 });
    await update("taskflow-api:flaky", "fail", { "api.env": { TASKFLOW_APP_UNHEALTHY_AFTER: "4" }, "healthGate.attempts": 5 });
    await update("taskflow-api:v1", "pass");
    await load.stop();
  } finally {
    await removeStack(stack);
  }
  const wrong = updates.filter((u) => u.ok !== (u.expect === "pass"));
  const failed = updates.reduce((a, u) => a + u.failed, 0);
  const summary =
    `${rollbacks} rollouts + ${rollbacks} rollbacks under ${connections} saturating connections: ` +
    `${updates.filter((u) => u.expect === "pass" && u.ok).length} of ${updates.filter((u) => u.expect === "pass").length} good updates succeeded, ` +
    `${updates.filter((u) => u.expect === "fail" && !u.ok).length} of ${updates.filter((u) => u.expect === "fail").length} fault tags failed; ` +
    `${failed} failed requests`;
  const dir = path.join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `saturation-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ started: started.toISOString(), rollbacks, connections, summary, updates }, null, 1));
  console.log(`\nbench: ${summary}\nbench: results in ${path.relative(ROOT, file)}`);
  return wrong.length === 0 && failed === 0 ? 0 : 1;
}

runMain(main);
