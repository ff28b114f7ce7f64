/**
 * `npm run fleet` against a local fleet, as a process of its own (node with tsx, as the npm
 * script starts it), timed from start to exit. Every process it starts, at any depth, carries
 * the caller's mark in its environment, so that the caller can find and stop any left behind
 * (markedProcesses.ts).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { FleetSummary } from "../fleet/summary";
import { fileBackendUrl } from "../pulumi/environment";
import type { LocalFleetLayout } from "./localFleet";
import { REPO_ROOT } from "../repoRoot";

const FLEET_CLI = join(REPO_ROOT, "tools", "fleet", "cli.ts");

/** An environment variable, `name=value`, that every process of a run inherits. */
export interface ProcessMark {
  readonly name: string;
  readonly value: string;
}

export interface FleetRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time, from start to exit. */
  readonly seconds: number;
}

/**
 * Runs `fleet <args> --work-dir <project> --log-dir <logs>` on the fleet's backend and resolves
 * once it has exited. `whileRunning` gets its pid as soon as it has started, to signal it.
 */
export async function runFleetCli(
  fleet: LocalFleetLayout,
  args: readonly string[],
  mark: ProcessMark,
  whileRunning?: (pid: number) => Promise<void>,
): Promise<FleetRun> {
  const begun = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      FLEET_CLI,
      ...args,
      "--work-dir",
      fleet.projectDir,
      "--log-dir",
      fleet.logDir,
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PULUMI_BACKEND_URL: fileBackendUrl(fleet.stateDir),
        [mark.name]: mark.value,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<FleetRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - begun) / 1e9 }),
    );
  });
  const pid = child.pid;
  const [run] = await Promise.all([ended, whileRunning && pid ? whileRunning(pid) : undefined]);
  return run;
}

/** The JSON summary of a `--json` run, with its output in the message if it is not JSON. */
export function summaryOf(run: FleetRun): FleetSummary {
  try {
    return JSON.parse(run.stdout) as FleetSummary;
  } catch {
    throw new Error(
      `fleet printed no JSON summary (exit ${run.code}):\n${run.stdout}\n${run.stderr}`,
    );
  }
}
