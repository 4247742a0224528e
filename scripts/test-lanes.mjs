#!/usr/bin/env node
// `npm test`'s test run: vitest's two lanes (vitest.config.mts: "pipeline" and "main")
// side by side, each one file at a time, each line prefixed with its lane. On two cores
// the pipeline lane mostly waits on act, image builds and deploys while the other runs
// the rehearsal's real-Docker tests, so the two together take about as long as the longer
// one (the CI log's tail gives each file's time). Arguments go to both lanes (file
// filters, reporters). Exit code: 0 when both lanes pass, else 1.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const LANES = ["pipeline", "main"];
const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: node scripts/test-lanes.mjs [vitest run arguments]   (runs the lanes pipeline and main side by side)");
  process.exit(0);
}

function runLane(name) {
  return new Promise((resolve) => {
    // --passWithNoTests: a file filter may leave one lane nothing to run.
    const child = spawn("npx", ["vitest", "run", "--project", name, "--passWithNoTests", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? "0" },
    });
    const prefix = `[${name}] `;
    createInterface({ input: child.stdout }).on("line", (l) => process.stdout.write(`${prefix}${l}\n`));
    createInterface({ input: child.stderr }).on("line", (l) => process.stderr.write(`${prefix}${l}\n`));
    child.on("close", (code, signal) => resolve({ name, code: code ?? 1, signal }));
  });
}

const started = Date.now();
const results = await Promise.all(LANES.map(runLane));
for (const r of results)
  console.log(`test-lanes: ${r.name} ${r.code === 0 ? "passed" : `FAILED (exit ${r.code}${r.signal ? `, ${r.signal}` : ""})`}`);
console.log(`test-lanes: ${((Date.now() - started) / 1000).toFixed(0)} s for both lanes`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
