/**
 * Bringing a stack on a file backend back after a pulumi command was killed outright (SIGKILL, a
 * machine that slept or lost power, a CI job past its time limit). Such a command leaves behind:
 *
 * - its lock, `.pulumi/locks/<organization>/<project>/<stack>/<id>.json`, which names the pid and
 *   host of the dead command: every later command stops at "the stack is currently locked";
 * - its pending creates: operations it had begun and not seen finish. A Kubernetes object among
 *   them may exist in the cluster without being in state, under a field manager the state never
 *   learnt, so creating it again can stop at a Server-Side Apply conflict;
 * - sometimes, an empty `.attrs` file beside the state file. Unless the backend URL says
 *   `metadata=skip` (ours does, see fileBackendUrl), the blob library rewrites that file in place
 *   on every save, and an empty one makes every command fail with "failed to load checkpoint:
 *   EOF". It holds only a content type and a checksum that nothing checks; the state file itself
 *   is always whole.
 *
 * The recovery takes the steps docs/operations/recovering-from-interruptions.md gives, in order:
 * remove an unreadable `.attrs` file, `pulumi cancel` when the lock's process is gone, `pulumi
 * refresh --clear-pending-creates`, and one `pulumi up` with PULUMI_K8S_ENABLE_PATCH_FORCE=true,
 * which adopts the objects the killed command had created. A lock held by a live command, or
 * taken on another machine, is never removed: that is a command still at work, or one this
 * machine cannot judge.
 */
import { type Dirent, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { isRunning } from "../control-plane/processes";
import { pulumiOk, type PulumiContext } from "./pulumi";

/** What the file backend writes into a lock file. */
export interface StackLock {
  readonly path: string;
  readonly pid: number;
  readonly hostname: string;
  readonly timestamp: string;
}

/** The variable that has the Kubernetes provider take conflicting fields (Server-Side Apply force). */
export const ADOPT_OBJECTS_VARIABLE = "PULUMI_K8S_ENABLE_PATCH_FORCE";

export interface Recovery {
  /** `.attrs` files beside the stack's state files that could not be read, removed. */
  readonly removedSidecars: readonly string[];
  /** Locks of dead commands, removed by `pulumi cancel`. */
  readonly removedLocks: readonly StackLock[];
  /** URNs whose pending create `pulumi refresh --clear-pending-creates` dropped. */
  readonly clearedPendingCreates: readonly string[];
  /** Extra environment for the next `pulumi up`: adoption of objects, after cleared creates. */
  readonly upEnvironment: Readonly<Record<string, string>>;
}

/** The entries of dir; none when it does not exist. */
function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

const subdirectories = (dir: string): string[] =>
  entries(dir)
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(dir, entry.name));

const files = (dir: string): string[] =>
  entries(dir)
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);

function parseLock(path: string): StackLock {
  const unreadable = new Error(
    `${path} is not a Pulumi lock file; if no pulumi command runs, remove it with \`pulumi cancel\``,
  );
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw unreadable;
  }
  const lock = value as Partial<Record<"pid" | "hostname" | "timestamp", unknown>> | null;
  if (
    !Number.isInteger(lock?.pid) ||
    typeof lock?.hostname !== "string" ||
    typeof lock.timestamp !== "string"
  ) {
    throw unreadable;
  }
  return { path, pid: lock.pid as number, hostname: lock.hostname, timestamp: lock.timestamp };
}

/** The locks on `stack` in the file backend at backendDir, oldest first. */
export function stackLocks(backendDir: string, stack: string): StackLock[] {
  const locksDir = join(backendDir, ".pulumi", "locks");
  const stackDirs = subdirectories(locksDir)
    .flatMap(subdirectories)
    .flatMap(subdirectories)
    .filter((dir) => basename(dir) === stack);
  return stackDirs
    .flatMap((dir) =>
      files(dir)
        .filter((name) => name.endsWith(".json"))
        .map((name) => parseLock(join(dir, name))),
    )
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}

/**
 * Removes each `.attrs` file beside the stack's state files (`.pulumi/stacks/[<project>/]<stack>
 * .json*`) that is not JSON, an empty one above all; returns their paths.
 */
export function removeBrokenSidecars(backendDir: string, stack: string): string[] {
  const stacksDir = join(backendDir, ".pulumi", "stacks");
  const removed: string[] = [];
  for (const dir of [stacksDir, ...subdirectories(stacksDir)]) {
    for (const name of files(dir)) {
      if (!name.startsWith(`${stack}.json`) || !name.endsWith(".attrs")) continue;
      const path = join(dir, name);
      try {
        JSON.parse(readFileSync(path, "utf8"));
      } catch {
        rmSync(path);
        removed.push(path);
      }
    }
  }
  return removed;
}

/** Whether pid is a live process of a program called pulumi (a reused pid is something else). */
function isPulumiProcess(pid: number): boolean {
  if (!isRunning(pid)) return false;
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "")) === "pulumi";
  } catch {
    return false;
  }
}

/** A lock whose command is known to be gone: taken on this machine by a process not running. */
export const isStale = (lock: StackLock): boolean =>
  lock.hostname === hostname() && !isPulumiProcess(lock.pid);

/** A resource as `pulumi stack export` prints it: secret values stay encrypted. */
export interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly custom?: boolean;
  readonly outputs?: Record<string, unknown>;
}

export interface ExportedState {
  readonly resources: readonly ExportedResource[];
  /** Operations the state records as begun and never finished: `creating`, `updating`, ... */
  readonly pendingOperations: readonly { type: string; urn: string }[];
}

/** The stack's state, from `pulumi stack export`. */
export async function exportStackState(
  context: PulumiContext,
  stack: string,
): Promise<ExportedState> {
  // Never echoed: it is the whole state.
  const exported = await pulumiOk(["stack", "export", "--stack", stack], {
    ...context,
    echo: false,
  });
  const deployment = (
    JSON.parse(exported.stdout) as {
      deployment?: {
        resources?: ExportedResource[];
        pending_operations?: { type: string; resource: { urn: string } }[];
      };
    }
  ).deployment;
  return {
    resources: deployment?.resources ?? [],
    pendingOperations: (deployment?.pending_operations ?? []).map((operation) => ({
      type: operation.type,
      urn: operation.resource.urn,
    })),
  };
}

/**
 * Makes `stack` ready for the next `pulumi up` after a command was killed; does nothing to a
 * stack that needs nothing. Throws, changing nothing, when a lock belongs to a command that may
 * still run.
 */
export async function recoverInterruptedUpdate(
  context: PulumiContext,
  stack: string,
): Promise<Recovery> {
  const locks = stackLocks(context.backendDir, stack);
  const live = locks.filter((lock) => !isStale(lock));
  if (live.length > 0) {
    const holders = live.map(
      (lock) => `pid ${lock.pid} on ${lock.hostname} since ${lock.timestamp}`,
    );
    throw new Error(
      `stack ${stack} is locked by a pulumi command that may still run (${holders.join("; ")}); ` +
        `wait for it to end, or stop it and run \`pulumi cancel --stack ${stack}\``,
    );
  }
  // Every command, cancel included, reads the state first.
  const removedSidecars = removeBrokenSidecars(context.backendDir, stack);
  if (locks.length > 0) await pulumiOk(["cancel", "--yes", "--stack", stack], context);

  const creates = (await exportStackState(context, stack)).pendingOperations
    .filter((operation) => operation.type === "creating")
    .map((operation) => operation.urn);
  if (creates.length > 0) {
    await pulumiOk(
      ["refresh", "--clear-pending-creates", "--yes", "--skip-preview", "--stack", stack],
      context,
    );
  }
  return {
    removedSidecars,
    removedLocks: locks,
    clearedPendingCreates: creates,
    upEnvironment: creates.length > 0 ? { [ADOPT_OBJECTS_VARIABLE]: "true" } : {},
  };
}

/** One line per thing the recovery did, for a command's output. */
export function describeRecovery(recovery: Recovery): string[] {
  return [
    ...recovery.removedSidecars.map((path) => `removed ${path}, which could not be read`),
    ...recovery.removedLocks.map(
      (lock) =>
        `removed the lock of pulumi pid ${lock.pid} (${lock.timestamp}), which no longer runs`,
    ),
    ...(recovery.clearedPendingCreates.length > 0
      ? [
          `cleared ${recovery.clearedPendingCreates.length} pending create(s) of an interrupted update; ` +
            `this update adopts the objects it had made`,
        ]
      : []),
  ];
}
