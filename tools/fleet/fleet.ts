/**
 * A fleet run: the operation on every selected stack of the project, at most `concurrency` at
 * once, each stack's CLI output in a log file of its own, and a summary of how each one ended.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Stack, type LocalWorkspace } from "@pulumi/pulumi/automation";
import { killNow, processesMarked } from "../local/markedProcesses";
import { runBounded } from "./boundedPool";
import { failureText, firstErrorLine } from "./failures";
import { Interruption } from "./interruption";
import { findLock, type LockSource } from "./lockCheck";
import { changesState, takesNoLock, type Operation } from "./operations";
import { runFleetStack } from "./runFleetStack";
import {
  copyStackFile,
  copyWritten,
  copyWrittenNote,
  missingStackFile,
  stackConfigDirectory,
  type StackFileCopy,
} from "./stackFile";
import { parseSelector, selectStacks } from "./stackSelection";
import { exitCodeFor, type FleetSummary, type StackOutcome } from "./summary";
import { fleetEnvironment, fleetWorkspace } from "./workspace";

export interface FleetOptions {
  readonly operation: Operation;
  /** Globs separated by commas; see stackSelection.ts. */
  readonly stacksSelector: string;
  readonly concurrency: number;
  /** The project: Pulumi.yaml and each stack's Pulumi.<stack>.yaml. */
  readonly workDir: string;
  readonly logDir: string;
  /** One line at a time, for a person watching (stderr). */
  readonly progress: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The variable that marks every process a run starts, so that a forced stop finds them all. */
const RUN_MARK = "K8S_FLUX_FLEET_RUN";

/** A file name for a stack name, which may hold its organization and project (`acme/k8s-flux/prod`). */
export const logFileName = (stack: string): string => `${stack.replaceAll("/", "__")}.log`;

/** A stack the operation never ran on: interrupted before its turn, or not selectable. */
function neverRan(stack: string, operation: Operation, error?: unknown): StackOutcome {
  return {
    stack,
    operation,
    result: error === undefined ? "not-started" : "failed",
    changes: null,
    startedAt: null,
    finishedAt: null,
    durationSeconds: null,
    firstError: error === undefined ? null : firstErrorLine([], failureText(error)),
    configProblems: [],
    drift: [],
    leftMidUpdate: false,
    pendingOperations: 0,
    logFile: null,
  };
}

/**
 * A stack refused before anything ran on it: its log file says so in two lines, the outcome
 * (`result` and `problem`) and why nothing was run.
 */
function refusedBeforeRunning(
  stack: string,
  operation: Operation,
  refusal: { readonly result: "locked" | "invalid-config"; problem: string; why: string },
  logFile: string,
): StackOutcome {
  const { result, problem, why } = refusal;
  writeFileSync(logFile, `fleet: ${operation}: ${result}: ${problem}\nfleet: ${why}\n`);
  return { ...neverRan(stack, operation), result, firstError: problem, logFile };
}

/** A stack another update holds, seen before running an operation that takes no lock. */
const lockedBeforeRunning = (
  stack: string,
  operation: Operation,
  lock: string,
  logFile: string,
): StackOutcome =>
  refusedBeforeRunning(
    stack,
    operation,
    {
      result: "locked",
      problem: lock,
      why: `nothing was run: ${operation} takes no lock of its own, so it would have read a state another update is writing`,
    },
    logFile,
  );

/** A stack the project directory has no config file for, seen before anything is run. */
export const withoutStackFile = (
  stack: string,
  operation: Operation,
  problem: string,
  logFile: string,
): StackOutcome =>
  refusedBeforeRunning(
    stack,
    operation,
    {
      result: "invalid-config",
      problem,
      why: "the stack is in the backend, but its config is not in the project directory; the CLI would have created a stack file there",
    },
    logFile,
  );

/** The resource operations the stack's state records as begun and never finished. */
async function pendingOperations(stack: Stack): Promise<number> {
  const exported = await stack.exportStack();
  const deployment = exported.deployment as { pending_operations?: unknown[] } | undefined;
  return deployment?.pending_operations?.length ?? 0;
}

/** Serializes `pulumi stack select`, which rewrites the workspace's settings file. */
function oneAtATime(): <T>(work: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
}

/**
 * Lists and selects the stacks, then runs. Throws NoStackMatchedError, before anything runs,
 * when the selector matches no stack.
 */
export async function runFleet(options: FleetOptions): Promise<FleetSummary> {
  // A selector no stack name could match is refused before the backend is asked anything.
  parseSelector(options.stacksSelector);
  const began = new Date();
  const mark: Record<string, string> = { [RUN_MARK]: `${process.pid}-${began.getTime()}` };
  const workspace = await fleetWorkspace({
    workDir: options.workDir,
    processMark: mark,
    env: options.env,
  });
  const listed = (await workspace.listStacks()).map((summary) => summary.name).sort();
  const projectSettings = await workspace.projectSettings();
  const locks: LockSource = {
    backendUrl: fleetEnvironment(options.env).PULUMI_BACKEND_URL ?? "",
    project: projectSettings.name,
    listStacks: () => workspace.listStacks(),
  };
  const selected = selectStacks(listed, options.stacksSelector);
  mkdirSync(options.logDir, { recursive: true });
  options.progress(
    `fleet ${options.operation}: ${selected.length} stack(s), at most ${options.concurrency} at once: ${selected.join(", ")}; logs in ${options.logDir}`,
  );

  // The CLI writes into the stack file it reads (stackFile.ts), so it is given copies, here, and
  // the project's own files stay as they were; the copies go with the run.
  const scratchDir = mkdtempSync(join(tmpdir(), "k8s-flux-fleet-"));
  const running = new Map<string, Stack>();
  const killEverything = (): void => killNow(processesMarked(RUN_MARK, mark[RUN_MARK]));
  const stopNow = (): void => {
    options.progress("fleet: stopping now: killing every process this run started");
    killEverything();
  };
  const interruption = new Interruption(() => {
    const names = [...running.keys()].join(", ") || "none";
    options.progress(
      `fleet: cancelling the running operations (${names}); no further stack starts. Ctrl-C again to stop at once`,
    );
  }, stopNow);
  interruption.listen();
  // A run that dies (an exception, process.exit) takes its processes with it.
  process.on("exit", killEverything);

  const run: StackRunContext = {
    workspace,
    locks,
    options,
    interruption,
    running,
    select: oneAtATime(),
    scratchDir,
    // ProjectSettings' type omits stackConfigDir; the parsed Pulumi.yaml holds it.
    stackConfigDir: stackConfigDirectory(
      options.workDir,
      projectSettings as unknown as Record<string, unknown>,
    ),
  };
  let outcomes: StackOutcome[];
  try {
    outcomes = await runBounded(selected, options.concurrency, (name) => runOne(name, run), {
      stopped: () => interruption.requested,
      notStarted: (name) => neverRan(name, options.operation),
    });
  } finally {
    interruption.stopListening();
    process.off("exit", killEverything);
    rmSync(scratchDir, { recursive: true, force: true });
  }

  const finished = new Date();
  return {
    schemaVersion: 1,
    operation: options.operation,
    stacksSelector: options.stacksSelector,
    concurrency: options.concurrency,
    startedAt: began.toISOString(),
    durationSeconds: (finished.getTime() - began.getTime()) / 1000,
    logDir: options.logDir,
    interrupted: interruption.requested,
    exitCode: exitCodeFor(outcomes, interruption.requested),
    stacks: outcomes,
  };
}

/** What every stack's run shares. */
interface StackRunContext {
  readonly workspace: LocalWorkspace;
  readonly locks: LockSource;
  readonly options: FleetOptions;
  readonly interruption: Interruption;
  /** The stacks whose operation is under way, by name. */
  readonly running: Map<string, Stack>;
  readonly select: <T>(work: () => Promise<T>) => Promise<T>;
  readonly scratchDir: string;
  /** Where the project's stack files are. */
  readonly stackConfigDir: string;
}

async function runOne(name: string, run: StackRunContext): Promise<StackOutcome> {
  const { options, interruption } = run;
  const logFile = join(options.logDir, logFileName(name));
  const noStackFile = missingStackFile(run.stackConfigDir, name);
  if (noStackFile !== undefined) {
    options.progress(`fleet: ${name}: no stack file; ${options.operation} not run`);
    return withoutStackFile(name, options.operation, noStackFile, logFile);
  }
  let stack: Stack;
  try {
    stack = await run.select(() => Stack.select(name, run.workspace));
  } catch (error) {
    return neverRan(name, options.operation, error);
  }
  if (interruption.requested) return neverRan(name, options.operation);
  if (takesNoLock(options.operation)) {
    let lock: string | undefined;
    try {
      lock = await findLock(run.locks, name);
    } catch (error) {
      return neverRan(name, options.operation, error);
    }
    if (lock !== undefined) {
      options.progress(`fleet: ${name}: locked; ${options.operation} not run`);
      return lockedBeforeRunning(name, options.operation, lock, logFile);
    }
  }
  let stackFile: StackFileCopy;
  try {
    stackFile = copyStackFile(run.stackConfigDir, name, run.scratchDir);
  } catch (error) {
    return neverRan(name, options.operation, error);
  }
  options.progress(`fleet: ${name}: ${options.operation} started`);
  run.running.set(name, stack);
  let outcome: StackOutcome;
  try {
    outcome = await runFleetStack({
      stack,
      operation: options.operation,
      configFile: stackFile.copy,
      logFile,
      signal: interruption.signal,
    });
  } finally {
    run.running.delete(name);
  }
  if (copyWritten(stackFile)) appendFileSync(logFile, copyWrittenNote(stackFile));
  if (outcome.result === "cancelled" && changesState(options.operation)) {
    outcome = await afterCancel(stack, outcome, interruption.forced);
  }
  options.progress(
    `fleet: ${name}: ${outcome.result}${outcome.durationSeconds === null ? "" : ` in ${outcome.durationSeconds.toFixed(1)} s`}`,
  );
  return outcome;
}

/**
 * A stack whose update was cancelled: after a forced stop its lock is released with the
 * Automation API's cancel, and either way the state is asked for operations left unfinished.
 */
async function afterCancel(
  stack: Stack,
  outcome: StackOutcome,
  forced: boolean,
): Promise<StackOutcome> {
  if (forced) {
    // Nothing to cancel once the CLI ended by itself; an error saying so is no news.
    await stack.cancel().catch(() => undefined);
  }
  const pending = await pendingOperations(stack).catch(() => 0);
  return { ...outcome, pendingOperations: pending };
}
