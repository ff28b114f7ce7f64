/**
 * Finding the processes a command started, at any depth, by a variable in their environment.
 * Pulumi starts each plugin in a process group of its own, and a plugin outlives a pulumi that
 * is killed outright; the variable, inherited by every descendant, still names them all.
 * Linux only: it reads /proc, as the control plane's process handling does.
 */
import { readdirSync, readFileSync } from "node:fs";
import { isZombie } from "../control-plane/processes";

/** Pids of this user's live processes whose environment holds `name=value`. */
export function processesMarked(name: string, value: string): number[] {
  const entry = `${name}=${value}`;
  const found: number[] = [];
  for (const directory of readdirSync("/proc")) {
    if (!/^\d+$/.test(directory)) continue;
    const pid = Number(directory);
    if (pid === process.pid) continue;
    try {
      if (isZombie(pid)) continue;
      if (readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry)) {
        found.push(pid);
      }
    } catch {
      // Gone meanwhile, or another user's process.
    }
  }
  return found;
}

/**
 * The marked processes still running after up to `withinMs`: one just SIGKILLed takes a moment
 * to exit on a busy machine, so an empty answer right away would be luck.
 */
export async function markedProcessesLeft(
  name: string,
  value: string,
  withinMs = 5_000,
): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = processesMarked(name, value);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = processesMarked(name, value);
  }
  return left;
}

/** SIGKILL to each pid; one that has exited meanwhile is skipped. */
export function killNow(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // ESRCH: already gone.
    }
  }
}
