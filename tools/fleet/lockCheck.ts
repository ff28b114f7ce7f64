/**
 * Whether another update holds a stack, asked before a `preview` or `drift`: on a file or
 * cloud-storage backend the engine's preview takes no lock, so it would read a state half-way
 * through someone's update and report it as drift, or as in sync. Where the fleet can see the
 * lock, the stack is reported `locked` and nothing is run.
 *
 * - A file backend (`file://`): the lock files under `.pulumi/locks/<org>/<project>/<stack>/`,
 *   which every `pulumi up`, `refresh` and `destroy` writes while it runs.
 * - A backend that lists stacks with `updateInProgress` (the Pulumi Cloud): that flag.
 * - Other cloud-storage backends (`s3://`, `gs://`, `azblob://`) are not looked at; see
 *   docs/operations/fleet.md.
 */
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StackSummary } from "@pulumi/pulumi/automation";
import { stackLocks } from "../local/recovery";

/** The directory of a `file://` backend URL (query left out, `~` as the home directory). */
export function fileBackendDir(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  const withoutQuery = backendUrl.replace(/\?.*$/, "");
  const home = /^file:\/\/~(\/.*)?$/.exec(withoutQuery);
  if (home) return join(homedir(), home[1] ?? "");
  return fileURLToPath(withoutQuery);
}

/** The stack's own name: backends may list it as `<org>/<project>/<stack>`. */
const ownName = (stack: string): string => stack.split("/").at(-1) ?? stack;

const lockedBy = (count: number, holders: readonly string[]): string =>
  `the stack is currently locked by ${count} lock(s)${holders.length > 0 ? `: ${holders.join("; ")}` : ""}`;

/**
 * Why the stack counts as locked on the file backend in `backendDir`, or undefined when no lock
 * of `project`'s stack is there. A lock file that cannot be read still counts: the engine
 * refuses an update for any file in the lock directory.
 */
export function fileBackendLock(
  backendDir: string,
  project: string,
  stack: string,
): string | undefined {
  let holders: string[];
  try {
    holders = stackLocks(backendDir, ownName(stack))
      .filter((lock) => basename(dirname(dirname(lock.path))) === project)
      .map((lock) => `pid ${lock.pid} on ${lock.hostname} since ${lock.timestamp}`);
  } catch (error) {
    return `${lockedBy(1, [])}: ${(error as Error).message}`;
  }
  return holders.length > 0 ? lockedBy(holders.length, holders) : undefined;
}

/** Why the stack counts as locked by the backend's own listing, or undefined. */
export function listedLock(summaries: readonly StackSummary[], stack: string): string | undefined {
  const summary = summaries.find((candidate) => candidate.name === stack);
  return summary?.updateInProgress === true
    ? "another update is currently in progress (the backend lists the stack as being updated)"
    : undefined;
}

export interface LockSource {
  /** The backend URL the CLI is given (PULUMI_BACKEND_URL). */
  readonly backendUrl: string;
  /** The project's name, from Pulumi.yaml. */
  readonly project: string;
  /** The backend's listing of the project's stacks, asked afresh. */
  readonly listStacks: () => Promise<StackSummary[]>;
}

/** A service backend (the Pulumi Cloud, or one of its own hosting), which tracks updates. */
const isServiceBackend = (backendUrl: string): boolean => /^https?:\/\//.test(backendUrl);

/**
 * Why `stack` counts as locked right now, or undefined when no lock can be seen. The file
 * backend is read directly, a service backend asked for its listing; other backends are not
 * looked at.
 */
export async function findLock(source: LockSource, stack: string): Promise<string | undefined> {
  const dir = fileBackendDir(source.backendUrl);
  if (dir !== undefined) return fileBackendLock(dir, source.project, stack);
  if (isServiceBackend(source.backendUrl)) return listedLock(await source.listStacks(), stack);
  return undefined;
}
