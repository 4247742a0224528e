import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
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
  },
});
