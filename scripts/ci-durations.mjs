#!/usr/bin/env node
// Prints each test file's wall time from vitest's JSON report, slowest first, and the
// sum: the last lines of a CI log say where its minutes went (the log's head is cut).
// usage: node scripts/ci-durations.mjs <vitest-report.json>
import { readFileSync } from "node:fs";
import * as path from "node:path";

const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node scripts/ci-durations.mjs <vitest-report.json>");
  process.exit(64);
}
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.error(`ci-durations: cannot read ${file}: ${e.message}`);
  process.exit(1);
}
const rows = report.testResults
  .map((r) => ({ name: path.relative(process.cwd(), r.name), s: (r.endTime - r.startTime) / 1000, status: r.status }))
  .sort((a, b) => b.s - a.s);
console.log("ci: test files by wall time (s)");
for (const r of rows) console.log(`${r.s.toFixed(1).padStart(8)}  ${r.status.padEnd(7)} ${r.name}`);
console.log(
  `${rows
    .reduce((t, r) => t + r.s, 0)
    .toFixed(1)
    .padStart(8)}  total (${rows.length} files)`,
);
