import { defineConfig } from "vitest/config";

/**
 * `npm run test:fleet`: `npm run fleet` with the real engine against three control planes of its
 * own, one step after another. Its files end in .spec.ts, so the unit suite (which takes
 * test/**\/*.test.ts, the fleet's unit tests included) never picks them up. The verbose reporter
 * prints each step with its time.
 */
export default defineConfig({
  test: {
    include: ["test/fleet/**/*.spec.ts"],
    pool: "forks",
    fileParallelism: false,
    // A fleet up of three small stacks takes about 40 s here, on a busy machine much longer.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    silent: "passed-only",
    reporters: ["verbose", "./test/summaryReporter.ts"],
  },
});
