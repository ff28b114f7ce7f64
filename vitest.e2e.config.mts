import { defineConfig } from "vitest/config";

/**
 * `npm run test:e2e`: the real Pulumi engine against a control plane of its own, one step after
 * another. The verbose reporter prints each step with its time.
 */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    pool: "forks",
    isolate: true,
    fileParallelism: false,
    // A `pulumi up` takes 10–20 s here, on a busy machine much longer.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    silent: "passed-only",
    reporters: ["verbose", "./test/summaryReporter.ts"],
  },
});
