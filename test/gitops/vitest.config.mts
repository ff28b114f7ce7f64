import { defineConfig } from "vitest/config";

/**
 * The GitOps suite: what needs sshd (tools/gitops/installPrerequisites.sh, as root) or a built
 * control plane (`npm run cluster:build`). Its files end in .spec.ts, so the unit suite (which
 * takes test/**\/*.test.ts) never picks them up. Run from the repository root:
 * `vitest run --config test/gitops/vitest.config.mts`.
 */
export default defineConfig({
  test: {
    include: ["test/gitops/**/*.spec.ts"],
    // Processes and ports of their own per file, but one at a time on a 2-core machine.
    pool: "forks",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ["default", "./test/summaryReporter.ts"],
  },
});
