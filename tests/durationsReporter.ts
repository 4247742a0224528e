// A vitest reporter that prints each test file's time (import, tests and hooks), slowest
// first, and their sum, after the run, pass or fail: the tail of a CI log says where its
// minutes went (`.ci/run` adds it beside the default reporter).
import type { Reporter, TestModule } from "vitest/node";

export default class DurationsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules
      .map((m) => {
        const d = m.diagnostic();
        return { name: m.relativeModuleId, s: (d.collectDuration + d.setupDuration + d.duration) / 1000, state: m.state() };
      })
      .sort((a, b) => b.s - a.s);
    const lines = ["test files by time (s): import, tests and hooks"];
    for (const r of rows) lines.push(`${r.s.toFixed(1).padStart(8)}  ${r.state.padEnd(7)} ${r.name}`);
    lines.push(
      `${rows
        .reduce((t, r) => t + r.s, 0)
        .toFixed(1)
        .padStart(8)}  total (${rows.length} files)`,
    );
    console.log(lines.join("\n"));
  }
}
