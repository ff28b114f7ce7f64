/**
 * One operation on one stack through the Automation API, settled into a StackOutcome: it never
 * throws, so one stack's failure cannot stop the others. The CLI's output goes to the stack's
 * log file as it comes.
 */
import { createWriteStream } from "node:fs";
import type { Stack } from "@pulumi/pulumi/automation";
import { EngineEventLog } from "./engineEvents";
import {
  configProblems,
  failureText,
  firstErrorLine,
  isLockError,
  isUnexpectedChangesError,
} from "./failures";
import type { Operation } from "./operations";
import type { StackOutcome, StackResult } from "./summary";

export interface FleetStackRun {
  readonly stack: Stack;
  readonly operation: Operation;
  /** The copy of the stack's Pulumi.<stack>.yaml the CLI reads and may write (stackFile.ts). */
  readonly configFile: string;
  readonly logFile: string;
  /** Aborting it passes Ctrl-C on to the running CLI, which then cancels as in a terminal. */
  readonly signal: AbortSignal;
}

interface EngineHooks {
  readonly signal: AbortSignal;
  readonly onOutput: (text: string) => void;
  readonly onError: (text: string) => void;
  readonly onEvent: EngineEventLog["onEvent"];
  readonly configFile: string;
  /** Plain text in the log file, without the progress dots of a terminal. */
  readonly color: "never";
  readonly suppressProgress: true;
}

async function runOperation(stack: Stack, operation: Operation, hooks: EngineHooks) {
  switch (operation) {
    // Both refresh first (`--refresh`), so that what someone changed by hand is seen, and undone.
    case "preview":
      return stack.preview({ ...hooks, refresh: true });
    case "up":
      return stack.up({ ...hooks, refresh: true });
    case "refresh":
      return stack.refresh(hooks);
    case "drift":
      // `pulumi preview --refresh --expect-no-changes`: the engine refreshes the state from the
      // cluster and the cloud, then fails if the program would change anything.
      return stack.preview({ ...hooks, refresh: true, expectNoChanges: true });
  }
}

/** How the operation ended, from what the engine and the CLI said. */
function settle(
  operation: Operation,
  events: EngineEventLog,
  failure: string | undefined,
  aborted: boolean,
): { result: StackResult; firstError: string | null; problems: string[] } {
  const errors = events.errorMessages();
  const drifted = operation === "drift" && events.changedResources().length > 0;
  if (failure === undefined) {
    if (operation !== "drift") return { result: "succeeded", firstError: null, problems: [] };
    return { result: drifted ? "drifted" : "in-sync", firstError: null, problems: [] };
  }
  const firstError = firstErrorLine(errors, failure);
  if (isLockError(failure)) return { result: "locked", firstError, problems: [] };
  const problems = configProblems(errors);
  if (problems.length > 0) return { result: "invalid-config", firstError, problems };
  if (aborted) return { result: "cancelled", firstError, problems: [] };
  if (drifted && isUnexpectedChangesError([failure, ...errors].join("\n"))) {
    return { result: "drifted", firstError: null, problems: [] };
  }
  return { result: "failed", firstError, problems: [] };
}

/**
 * Whether an interrupted operation left part of itself behind: an update that had started a
 * step changing a resource, or a refresh that had written a changed or vanished resource into
 * the state. One cancelled before that (while still refreshing, say) left the stack as it was.
 */
export function leftMidUpdate(operation: Operation, events: EngineEventLog): boolean {
  switch (operation) {
    case "up":
      return events.beganChanging();
    case "refresh":
      return events.refreshRecordedDifference();
    case "preview":
    case "drift":
      return false;
  }
}

export async function runFleetStack(run: FleetStackRun): Promise<StackOutcome> {
  const events = new EngineEventLog();
  const log = createWriteStream(run.logFile, { flags: "w" });
  const write = (text: string): void => {
    log.write(text);
  };
  const started = new Date();
  let failure: string | undefined;
  try {
    await runOperation(run.stack, run.operation, {
      signal: run.signal,
      onOutput: write,
      onError: write,
      onEvent: events.onEvent,
      configFile: run.configFile,
      color: "never",
      suppressProgress: true,
    });
  } catch (error) {
    failure = failureText(error);
  }
  const finished = new Date();
  const { result, firstError, problems } = settle(
    run.operation,
    events,
    failure,
    run.signal.aborted,
  );
  // The CLI's own account is in the log already; this says how the fleet read it.
  write(`\nfleet: ${run.operation}: ${result}${firstError === null ? "" : `: ${firstError}`}\n`);
  await new Promise<void>((resolve) => log.end(resolve));
  return {
    stack: run.stack.name,
    operation: run.operation,
    result,
    changes: events.changes(),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    firstError,
    configProblems: problems,
    drift: run.operation === "drift" ? events.changedResources() : [],
    leftMidUpdate: result === "cancelled" && leftMidUpdate(run.operation, events),
    pendingOperations: 0,
    logFile: run.logFile,
  };
}
