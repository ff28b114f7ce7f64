import { defineConfig } from "vitest/config";

/**
 * The GitOps suite: what needs sshd (tools/gitops/installPrerequisites.sh, as root) and the
 * built tools (`npm run tools:build -- pulumi-engine control-plane gitops`), up to the GitOps
 * stage (stage.spec.ts, docs/development/gitops-stage.md). Its files end in .spec.ts, so the unit
 * suite (which takes test/**\/*.test.ts) never picks them up. Run from the repository root:
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
