/**
 * `npm run fleet` against a local fleet, as a process of its own (node with tsx, as the npm
 * script starts it), timed from start to exit. Every process it starts, at any depth, carries
 * the caller's mark in its environment, so that the caller can find and stop any left behind
 * (markedProcesses.ts).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { FleetSummary } from "../fleet/summary";
import { killNow, processesMarked } from "./markedProcesses";
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
 * How long a run may take before it is killed: longer than any run of the fleet stage or the
 * bench takes, and shorter than a stage step's timeout, so that a run that hangs fails here,
 * saying so, rather than as a bare step timeout.
 */
export const FLEET_RUN_TIMEOUT_MS = 540_000;

/**
 * Runs `fleet <args> --work-dir <project> --log-dir <logs>` on the fleet's backend and resolves
 * once it has exited. `whileRunning` gets its pid as soon as it has started, to signal it.
 * A run still going after `timeoutMs` is killed, with every process it started (all carry
 * `mark`), and fails naming the command and what it had printed; so is one whose `whileRunning`
 * fails, which then fails with that error.
 */
export async function runFleetCli(
  fleet: LocalFleetLayout,
  args: readonly string[],
  mark: ProcessMark,
  whileRunning?: (pid: number) => Promise<void>,
  timeoutMs = FLEET_RUN_TIMEOUT_MS,
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
  // The command and everything it started, at any depth, whatever session or group it is in.
  const killAll = (): void => killNow(processesMarked(mark.name, mark.value));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killAll();
  }, timeoutMs);
  const ended = new Promise<FleetRun>((resolve, reject) => {
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (!timedOut) {
        resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - begun) / 1e9 });
        return;
      }
      // Kill again: a process may have started while the first kill went round, after the
      // processes were listed and before their parent was killed.
      killAll();
      reject(
        new Error(
          `fleet ${args.join(" ")} was still running after ${timeoutMs / 1000} s, and was killed with every process it had started\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    });
  });
  const pid = child.pid;
  // A failed watch ends the run too, rather than leave it running into what comes next.
  const watched =
    whileRunning && pid
      ? whileRunning(pid).catch((error: unknown) => {
          killAll();
          throw error;
        })
      : undefined;
  const [run] = await Promise.all([ended, watched]);
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
