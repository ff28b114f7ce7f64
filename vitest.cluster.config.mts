import { defineConfig } from "vitest/config";

/**
 * `npm run test:cluster`: the suite that needs a real API server. globalSetup starts one control
 * plane on loopback for all files; files run one after another because they share it.
 */
export default defineConfig({
  test: {
    include: ["test/cluster/**/*.test.ts"],
    globalSetup: ["test/cluster/globalSetup.ts"],
    // Pulumi's mock runtime lives in module state; a fresh process per file, as in the unit suite.
    pool: "forks",
    isolate: true,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Not silenced like the unit suite: the permission matrix table is this suite's output.
    reporters: ["default", "./test/summaryReporter.ts"],
  },
});
