/**
 * Starting and stopping the control plane's processes. Each one leads its own process group,
 * so a terminal's Ctrl-C reaches only us (we then stop them in order) and a stop reaches
 * anything they forked. Processes that must not outlive us also get a parent-death signal.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, readlinkSync, realpathSync } from "node:fs";

export interface Launched {
  component: string;
  pid: number;
  binary: string;
  logPath: string;
  /** Settles when the process exits, whoever stops it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  child: ChildProcess;
}

export interface LaunchOptions {
  component: string;
  binary: string;
  args: string[];
  logPath: string;
  /** True for `cluster:up`: the process keeps running after this Node process ends. */
  outlivesParent: boolean;
}

let setprivAvailable: boolean | undefined;

/** `setpriv --pdeathsig` (util-linux) has the kernel kill the child if this process dies, even by SIGKILL. */
function hasSetpriv(): boolean {
  if (setprivAvailable === undefined) {
    const probe = spawnSync("setpriv", ["--pdeathsig", "KILL", "true"], { stdio: "ignore" });
    setprivAvailable = probe.status === 0;
  }
  return setprivAvailable;
}

export function commandLine(options: LaunchOptions, withSetpriv: boolean): [string, string[]] {
  if (options.outlivesParent || !withSetpriv) return [options.binary, options.args];
  return ["setpriv", ["--pdeathsig", "KILL", "--", options.binary, ...options.args]];
}

export function launch(options: LaunchOptions): Promise<Launched> {
  const log = openSync(options.logPath, "a");
  const [command, args] = commandLine(options, hasSetpriv());
  try {
    const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log] });
    // Our exit handlers stop the processes; a reference would only keep Node waiting on them.
    child.unref();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => {
        if (child.pid === undefined) {
          reject(new Error(`${options.component} started without a pid`));
          return;
        }
        resolve({
          component: options.component,
          pid: child.pid,
          binary: options.binary,
          logPath: options.logPath,
          exited,
          child,
        });
      });
    });
  } finally {
    closeSync(log);
  }
}

/** Alive and not a zombie waiting for a parent that will never reap it. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** Whether the process has exited and waits to be reaped; throws when /proc has no such process. */
export function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
}

/** Whether pid still runs the binary we started, so a recycled pid is never killed. */
export function runsBinary(pid: number, binary: string): boolean {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
    // The kernel reports the resolved path; the tools cache may be reached through a symlink.
    return exe === binary || exe === realpathOrSelf(binary);
  } catch {
    return false;
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await sleep(50);
  }
  return !isRunning(pid);
}

/** SIGTERM to the group, a grace period, then SIGKILL; resolves once the process is gone. */
export async function stopGroup(pid: number, graceMs = 10_000): Promise<void> {
  signalGroup(pid, "SIGTERM");
  if (await waitForExit(pid, graceMs)) {
    signalGroup(pid, "SIGKILL");
    return;
  }
  signalGroup(pid, "SIGKILL");
  if (!(await waitForExit(pid, 5_000))) {
    throw new Error(`process ${pid} did not exit after SIGKILL`);
  }
}

/** For exit handlers, which can't wait: kill now and let the kernel finish. */
export function killGroupNow(pid: number): void {
  signalGroup(pid, "SIGKILL");
}
