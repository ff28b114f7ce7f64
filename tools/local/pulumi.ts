/**
 * Runs the locally built `pulumi` with no network, in a project copy, against one backend.
 *
 * Whatever goes wrong (a failed assertion, a timeout, an interrupt) no process is left behind.
 * Each command leads its own process group, so a terminal's Ctrl-C reaches only us and is
 * passed on once (pulumi then cancels, as in a terminal). Every process a command starts,
 * plugins included, carries this process's pid in PULUMI_STARTED_BY, so stopPulumiCommands()
 * and an exit of this process can find and stop each of them by pid.
 */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { isRunning } from "../control-plane/processes";
import { fileBackendUrl, pulumiEnvironment } from "../pulumi/environment";
import { killNow, processesMarked } from "./markedProcesses";

export interface PulumiResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface PulumiContext {
  /** The project copy the command runs in. */
  readonly cwd: string;
  /** The file backend's directory. */
  readonly backendDir: string;
  /** Echo the command's output as it runs. */
  readonly echo?: boolean;
  readonly extraEnv?: Record<string, string>;
}

/** The environment variable that marks every process our pulumi commands start. */
const MARK = "PULUMI_STARTED_BY";
const mark = String(process.pid);

/** Pids of the commands still running. */
const running = new Set<number>();

/** Every process our pulumi commands started that still runs, at any depth. */
export function pulumiProcessesLeft(): number[] {
  return processesMarked(MARK, mark);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a command gets to cancel and stop its plugins before everything is killed. */
const CANCEL_GRACE_MS = 30_000;

/**
 * Stops every command still running: SIGINT, so pulumi cancels and stops its plugins; after a
 * grace period, SIGKILL to every process still carrying our mark. Resolves once none is left.
 */
export async function stopPulumiCommands(): Promise<void> {
  const commands = [...running];
  interrupt(commands);
  const deadline = Date.now() + CANCEL_GRACE_MS;
  while (commands.some(isRunning) && Date.now() < deadline) await sleep(100);
  await killPulumiProcesses();
}

/** SIGKILL to every process still carrying our mark, again until none is left; resolves then. */
export async function killPulumiProcesses(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const left = pulumiProcessesLeft();
    if (left.length === 0) return;
    killNow(left);
    await sleep(50);
  }
  throw new Error(`pulumi processes ${pulumiProcessesLeft().join(", ")} survived SIGKILL`);
}

function interrupt(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGINT");
    } catch {
      // ESRCH: it has just exited.
    }
  }
}

const onInterrupt = (): void => interrupt([...running]);
/** A request to end: the commands go, then this process dies of the signal unless others listen. */
const onTerminate = (signal: NodeJS.Signals): void => {
  void stopPulumiCommands()
    .catch(killAllNow)
    .finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
};
/** For an exiting process, which can't wait. */
const killAllNow = (): void => killNow(pulumiProcessesLeft());
const TERMINATING: NodeJS.Signals[] = ["SIGTERM", "SIGHUP"];

function track(pid: number): void {
  if (running.size === 0) {
    process.on("SIGINT", onInterrupt);
    for (const signal of TERMINATING) process.on(signal, onTerminate);
    process.on("exit", killAllNow);
  }
  running.add(pid);
}

function untrack(pid: number): void {
  if (!running.delete(pid) || running.size > 0) return;
  process.off("SIGINT", onInterrupt);
  for (const signal of TERMINATING) process.off(signal, onTerminate);
  process.off("exit", killAllNow);
}

export function runPulumi(args: readonly string[], context: PulumiContext): Promise<PulumiResult> {
  return startPulumi(args, context).result;
}

/** A command under way: its pid, for a signal, and its result once it has exited. */
export interface StartedPulumi {
  readonly pid: number | undefined;
  readonly result: Promise<PulumiResult>;
}

/** Starts a command as runPulumi does, without waiting for it. */
export function startPulumi(args: readonly string[], context: PulumiContext): StartedPulumi {
  mkdirSync(context.backendDir, { recursive: true });
  const env = {
    ...process.env,
    ...pulumiEnvironment(),
    PULUMI_BACKEND_URL: fileBackendUrl(context.backendDir),
    ...context.extraEnv,
    [MARK]: mark,
  };
  const begun = process.hrtime.bigint();
  const child = spawn("pulumi", [...args, "--non-interactive"], {
    cwd: context.cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid !== undefined) track(pid);
  const result = new Promise<PulumiResult>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (context.echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (context.echo) process.stderr.write(chunk);
    });
    child.on("error", (error) => {
      if (pid !== undefined) untrack(pid);
      reject(
        new Error(
          `could not run pulumi (${error.message}); build it with \`npm run tools:build -- pulumi-engine\``,
        ),
      );
    });
    child.on("close", (code) => {
      if (pid !== undefined) untrack(pid);
      resolve({
        code: code ?? 1,
        stdout,
        stderr,
        seconds: Number(process.hrtime.bigint() - begun) / 1e9,
      });
    });
  });
  return { pid, result };
}

/** Fails with the command's own last lines when it did not succeed. */
export async function pulumiOk(
  args: readonly string[],
  context: PulumiContext,
): Promise<PulumiResult> {
  const result = await runPulumi(args, context);
  if (result.code !== 0) {
    const lines = `${result.stdout}\n${result.stderr}`.trim().split("\n");
    // The errors come before the outputs, which can fill the tail: name them first.
    const errors = lines.filter((line) => /^\s*error:/.test(line)).slice(0, 10);
    const tail = lines.slice(-25);
    throw new Error(
      `pulumi ${args.join(" ")} failed (exit ${result.code}):\n${[...errors, "…", ...tail].join("\n")}`,
    );
  }
  return result;
}
