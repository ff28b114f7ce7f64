/**
 * Starting and stopping the supervisor (supervisor.ts) from `up:local` and `down:local`, by the
 * pid and start time recorded in supervisor.json, never by name.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseJsonOr } from "../../problems";
import { REPO_ROOT } from "../../repoRoot";
import { ExitedError, waitFor, within } from "../../kube/waitFor";
import { GitOpsError } from "../errors";
import { isSameProcess, startProcess, stopProcessTree } from "../processes";
import { stopRunner } from "../runner/runner";
import type { LocalEnvironmentLayout } from "./layout";
import { readWorkloadsFile } from "./workloadsFile";

export interface SupervisorRecord {
  readonly pid: number;
  readonly startTime: number;
}

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;

/** The supervisor recorded in the layout, if it still runs. */
export function runningSupervisor(layout: LocalEnvironmentLayout): SupervisorRecord | undefined {
  if (!existsSync(layout.supervisorState)) return undefined;
  const invalid = () =>
    new GitOpsError(
      `${layout.supervisorState} is not a supervisor record; stop the supervisor by hand (its pid is in ${layout.supervisorLog}) and remove the file`,
    );
  const record = parseJsonOr(
    readFileSync(layout.supervisorState, "utf8"),
    invalid,
  ) as Partial<SupervisorRecord> | null;
  if (!Number.isInteger(record?.pid) || !Number.isInteger(record?.startTime)) throw invalid();
  const { pid, startTime } = record as SupervisorRecord;
  return isSameProcess(pid, startTime) ? { pid, startTime } : undefined;
}

function logTail(layout: LocalEnvironmentLayout): string {
  try {
    return readFileSync(layout.supervisorLog, "utf8").trimEnd().split("\n").slice(-15).join("\n");
  } catch {
    return "";
  }
}

/** Starts it detached; resolves once it has written the runner's first report. */
export async function startSupervisor(layout: LocalEnvironmentLayout): Promise<SupervisorRecord> {
  const started = await startProcess({
    command: process.execPath,
    args: ["--import", "tsx", join(__dirname, "supervisor.ts")],
    env: process.env,
    cwd: REPO_ROOT,
    logPath: layout.supervisorLog,
    outlivesParent: true,
  });
  const record = { pid: started.pid, startTime: started.startTime };
  writeFileSync(layout.supervisorState, `${JSON.stringify(record)}\n`);
  try {
    await waitFor(
      async () =>
        readWorkloadsFile(layout.workloads)?.supervisorPid === started.pid ||
        "it has not written the runner's first report",
      { deadline: within(STARTUP_TIMEOUT_MS), exited: started.exited },
    );
  } catch (error) {
    const exited = error instanceof ExitedError;
    if (!exited) await stopProcessTree(started.pid);
    rmSync(layout.supervisorState, { force: true });
    throw new GitOpsError(
      `the supervisor ${exited ? "exited" : "did not report"} while starting; its log (${layout.supervisorLog}) ends:\n${logTail(layout)}`,
    );
  }
  return record;
}

/**
 * Stops it: SIGTERM, so it stops the runner's processes itself; after a grace period, its whole
 * process group; then any runner process still recorded. True when a supervisor was running.
 */
export async function stopSupervisor(layout: LocalEnvironmentLayout): Promise<boolean> {
  const record = runningSupervisor(layout);
  if (record) {
    process.kill(record.pid, "SIGTERM");
    await waitFor(async () => !isSameProcess(record.pid, record.startTime) || "it still runs", {
      deadline: within(STOP_GRACE_MS),
      intervalMs: 100,
    }).catch(() => stopProcessTree(record.pid));
  }
  // Before the first up:local there is no runner directory to record into.
  if (existsSync(layout.runner)) await stopRunner(layout.runner);
  rmSync(layout.supervisorState, { force: true });
  return record !== undefined;
}
