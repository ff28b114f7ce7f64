/**
 * The fleet command as a process: a selector no stack name could match is refused with exit 2
 * before the backend is asked anything, so an unreachable backend does not turn it into a
 * failure (exit 1).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../tools/repoRoot";

/** Nothing listens on the discard port: a backend that asked would fail to connect. */
const UNREACHABLE_BACKEND = "https://127.0.0.1:9";

/**
 * A cold start loads the Automation API (gRPC, protobuf) through tsx, which can take more than
 * 20 s while the unit suite's workers keep both cores busy.
 */
const CLI_TIMEOUT_MS = 60_000;

describe("npm run fleet with a glob no stack name can match", () => {
  it(
    "exits 2 with the selector's problem, the backend never asked",
    { timeout: CLI_TIMEOUT_MS + 30_000 },
    () => {
      const run = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(REPO_ROOT, "tools", "fleet", "cli.ts"),
          "drift",
          "--stacks",
          "prod eu",
        ],
        {
          cwd: REPO_ROOT,
          encoding: "utf8",
          env: { ...process.env, PULUMI_BACKEND_URL: UNREACHABLE_BACKEND },
          timeout: CLI_TIMEOUT_MS,
        },
      );
      // Killed at the timeout, or never started, it printed nothing: say so rather than diff "".
      expect(
        { signal: run.signal, error: run.error?.message },
        `the fleet command was killed (timeout ${CLI_TIMEOUT_MS / 1000} s) or could not start`,
      ).toEqual({ signal: null, error: undefined });
      expect(run.stderr).toBe(
        'fleet: --stacks "prod eu": "prod eu" can match no stack name; expected letters, digits, "_", ".", "-", "/" and the wildcards "*" and "?"\n',
      );
      expect(run.stdout).toBe("");
      expect(run.status).toBe(2);
    },
  );
});
