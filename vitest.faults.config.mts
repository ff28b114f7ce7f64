import { defineConfig } from "vitest/config";

/**
 * `npm run test:faults`: the real Pulumi engine against control planes of its own, with an update
 * killed, interrupted, cut off from its API server, and keys deleted by hand (test/faults). Each
 * file starts its own control plane in a new temporary directory; files run one after another,
 * since two engines and control planes at once would only slow each other on a small machine.
 * The verbose reporter prints each scenario with its time and what it saw.
 */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.spec.ts"],
    pool: "forks",
    isolate: true,
    fileParallelism: false,
    // A scenario runs up to four updates, 10–20 s each here, longer on a busy machine.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    silent: "passed-only",
    reporters: ["verbose", "./test/summaryReporter.ts"],
  },
});
