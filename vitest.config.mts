import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests against a real API server run with vitest.cluster.config.mts (npm run test:cluster),
    // the real engine with vitest.e2e.config.mts (npm run test:e2e).
    exclude: ["test/cluster/**", "test/e2e/**", "node_modules/**"],
    // Pulumi's runtime keeps its mock monitor in module state; a fresh process per file keeps
    // one file's resources out of another's.
    pool: "forks",
    isolate: true,
    testTimeout: 30_000,
    silent: "passed-only",
    reporters: ["default", "./test/summaryReporter.ts"],
  },
});
