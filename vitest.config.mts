import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    // Unit tests drive one global Pulumi runtime per file; files still run in parallel.
    sequence: { concurrent: false },
  },
});
