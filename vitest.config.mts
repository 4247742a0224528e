import { defineConfig } from "vitest/config";

// Two lanes of test files (scripts/test-lanes.mjs runs them side by side, one file at a
// time in each): the pipeline runs (act, a registry, sshd, two stacks) and the
// conformance rehearsal in one, everything else in the other. `vitest run` alone runs
// both lanes one file at a time, as before.
export const PIPELINE_LANE = ["tests/pipeline/**/*.test.ts", "tests/conformance/**/*.test.ts"];

export default defineConfig({
  test: {
    // No include here: a project that extends this config would add it to its own.
    testTimeout: 30_000,
    // One test file at a time: the unit files share one Pulumi runtime per process
    // anyway, and the real-Docker files would otherwise compete for two cores.
    fileParallelism: false,
    server: {
      deps: {
        // Imports its schema JSON without an import attribute: let Vite load it.
        inline: ["@actions/workflow-parser"],
      },
    },
    projects: [
      { extends: true, test: { name: "pipeline", include: PIPELINE_LANE } },
      { extends: true, test: { name: "main", include: ["tests/**/*.test.ts"], exclude: PIPELINE_LANE } },
    ],
  },
});
