/**
 * Processes the git server and the process runner start: each leads its own process group, logs
 * to its own file, and (unless it is meant to outlive us) dies with this Node process. A pid is
 * recorded with its start time, so a later `down` never signals a recycled pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { isRunning, stopGroup } from "../control-plane/processes";

export interface StartedProcess {
  pid: number;
  /** Clock ticks since boot when it started (field 22 of /proc/<pid>/stat). */
  startTime: number;
  logPath: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  child: ChildProcess;
}

export interface StartOptions {
  command: string;
  args: readonly string[];
  /** The whole environment; nothing of this process's is passed on unless it is here. */
  env: NodeJS.ProcessEnv;
  logPath: string;
  cwd?: string;
  /** For `up:local`: the process keeps running after this Node process ends. */
  outlivesParent?: boolean;
}

export async function startProcess(options: StartOptions): Promise<StartedProcess> {
  const log = openSync(options.logPath, "a");
  // The kernel kills the child if we die, even by SIGKILL; setpriv execs, so the pid is the
  // program's own.
  const [command, args] = options.outlivesParent
    ? [options.command, [...options.args]]
    : ["setpriv", ["--pdeathsig", "KILL", "--", options.command, ...options.args]];
  try {
    const child = spawn(command, args, {
      detached: true,
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", log, log],
    });
    child.unref();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () =>
        child.pid === undefined ? reject(new Error(`${command} has no pid`)) : resolve(child.pid),
      );
    });
    return { pid, startTime: startTimeOf(pid) ?? 0, logPath: options.logPath, exited, child };
  } finally {
    closeSync(log);
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after it are plain.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

export function startTimeOf(pid: number): number | undefined {
  const field = statFields(pid)?.[19];
  return field === undefined ? undefined : Number(field);
}

/** Whether pid is still the process we started (alive, and started when we recorded). */
export function isSameProcess(pid: number, startTime: number): boolean {
  return isRunning(pid) && startTimeOf(pid) === startTime;
}

/** Every live process below pid (children, their children, …). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (!Number.isInteger(parent)) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * Stops the process group led by pid, then anything it had forked into a session of its own
 * (sshd does that per connection): SIGTERM, a grace period, SIGKILL. Resolves once all are gone.
 */
export async function stopProcessTree(pid: number, graceMs = 10_000): Promise<void> {
  const below = descendantsOf(pid).flatMap((child) => {
    const startTime = startTimeOf(child);
    return startTime === undefined ? [] : [{ pid: child, startTime }];
  });
  await stopGroup(pid, graceMs);
  const alive = (): typeof below => below.filter((p) => isSameProcess(p.pid, p.startTime));
  for (const child of alive()) signal(child.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await sleep(50);
  for (const child of alive()) signal(child.pid, "SIGKILL");
  const killDeadline = Date.now() + 5_000;
  while (alive().length > 0 && Date.now() < killDeadline) await sleep(50);
  const left = alive().map((p) => p.pid);
  if (left.length > 0) throw new Error(`process(es) ${left.join(", ")} did not exit after SIGKILL`);
}
