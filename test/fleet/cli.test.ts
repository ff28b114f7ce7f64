/**
 * The fleet command as a process: flags it cannot use are refused with exit 2 before the
 * backend is asked anything, so an unreachable backend does not turn them into a failure
 * (exit 1), and --help prints the usage, exit 0, before any check.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FLEET_COMMAND } from "../../tools/fleet/args";
import { REPO_ROOT } from "../../tools/repoRoot";

/** Nothing listens on the discard port: a backend that asked would fail to connect. */
const UNREACHABLE_BACKEND = "https://127.0.0.1:9";

/**
 * A cold start loads the Automation API (gRPC, protobuf) through tsx, which can take more than
 * 20 s while the unit suite's workers keep both cores busy.
 */
const CLI_TIMEOUT_MS = 60_000;

/**
 * `npm run fleet -- <args>`, started as the fleet itself, from the repository root; `env` adds
 * to the environment, as npm's own variables.
 */
function runFleet(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(REPO_ROOT, "tools", "fleet", "cli.ts"), ...args],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...process.env, PULUMI_BACKEND_URL: UNREACHABLE_BACKEND, ...env },
      timeout: CLI_TIMEOUT_MS,
    },
  );
  // Killed at the timeout, or never started, it printed nothing: say so rather than diff "".
  expect(
    { signal: run.signal, error: run.error?.message },
    `the fleet command was killed (timeout ${CLI_TIMEOUT_MS / 1000} s) or could not start`,
  ).toEqual({ signal: null, error: undefined });
  return run;
}

describe("npm run fleet with flags it cannot use", () => {
  it(
    "exits 2 on a glob no stack name can match, the backend never asked",
    { timeout: CLI_TIMEOUT_MS + 30_000 },
    () => {
      const run = runFleet(["drift", "--stacks", "prod eu"]);
      expect(run.stderr).toBe(
        'fleet: --stacks "prod eu": "prod eu" can match no stack name; expected letters, digits, "_", ".", "-", "/" and the wildcards "*" and "?"\n',
      );
      expect(run.stdout).toBe("");
      expect(run.status).toBe(2);
    },
  );

  it(
    "exits 2 on a --work-dir that does not exist, from where npm was run, naming the flag",
    { timeout: CLI_TIMEOUT_MS + 30_000 },
    () => {
      // As `npm run fleet` in /nonexistent: npm starts the script in the repository root.
      const run = runFleet(["preview", "--work-dir", "k8s-flux"], {
        npm_lifecycle_event: "fleet",
        INIT_CWD: "/nonexistent",
      });
      expect(run.stderr).toBe(
        'fleet: --work-dir "/nonexistent/k8s-flux": no such directory; expected the project\'s directory, with Pulumi.yaml; see `npm run fleet -- --help`\n',
      );
      expect(run.stdout).toBe("");
      expect(run.status).toBe(2);
    },
  );

  it(
    "prints the usage for --help, exit 0, before checking anything else on the line",
    { timeout: CLI_TIMEOUT_MS + 30_000 },
    () => {
      const run = runFleet(["destroy", "--work-dir", "/nonexistent/k8s-flux", "--help"]);
      expect(run.stdout).toBe(FLEET_COMMAND.usage);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    },
  );
});
