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
 * - its pending deletes and updates: the object may be gone or changed in the cluster while the
 *   state still holds it as it was, and an update compares the program with the state only.
 *
 * The recovery takes the steps docs/operations/recovering-from-interruptions.md gives, in order
 * (recoveryCommands; docs.test.ts holds the page to them): remove an unreadable `.attrs` file,
 * `pulumi cancel` when the lock's process is gone, `pulumi refresh --clear-pending-creates` when
 * any operation is pending, and one `pulumi up` with PULUMI_K8S_ENABLE_PATCH_FORCE=true, which
 * adopts the objects the killed command had created. A lock held by a live command, or taken on
 * another machine, is never removed: that is a command still at work, or one this machine cannot
 * judge.
 */
import { type Dirent, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import { isRunning } from "../control-plane/processes";
import { parseJsonOr } from "../problems";
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
  /**
   * The operations the state held as pending, which `pulumi refresh --clear-pending-creates`
   * cleared, reading what the cluster holds of each.
   */
  readonly clearedPendingOperations: readonly PendingOperation[];
  /** Extra environment for the next `pulumi up`: adoption of objects, after cleared creates. */
  readonly upEnvironment: Readonly<Record<string, string>>;
}

/**
 * The commands of the recovery, as recoverInterruptedUpdate and its callers run them and as
 * docs/operations/recovering-from-interruptions.md gives them for the local stack (docs.test.ts
 * compares the two), in order.
 */
export function recoveryCommands(stack: string): {
  /** Removes the locks of the killed command. */
  readonly cancel: readonly string[];
  /** Clears every pending operation: drops pending creates, reads the rest from the cluster. */
  readonly clearPendingOperations: readonly string[];
  /** The update after the recovery, with `upEnvironment`. */
  readonly up: readonly string[];
  /** How every recovery ends. */
  readonly expectNoChanges: readonly string[];
} {
  const onStack = ["--stack", stack];
  return {
    cancel: ["cancel", "--yes", ...onStack],
    clearPendingOperations: [
      "refresh",
      "--clear-pending-creates",
      "--yes",
      "--skip-preview",
      ...onStack,
    ],
    up: ["up", "--yes", ...onStack],
    expectNoChanges: ["up", "--yes", "--expect-no-changes", ...onStack],
  };
}

/** The recovery of `stack` after pending creates, as shell lines, for the docs. */
export function recoveryCommandLines(stack: string): string[] {
  const commands = recoveryCommands(stack);
  return [
    `pulumi ${commands.cancel.join(" ")}`,
    `pulumi ${commands.clearPendingOperations.join(" ")}`,
    `${ADOPT_OBJECTS_VARIABLE}=true pulumi ${commands.up.join(" ")}`,
    `pulumi ${commands.expectNoChanges.join(" ")}`,
  ];
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
  const lock = parseJsonOr(readFileSync(path, "utf8"), () => unreadable) as Partial<
    Record<"pid" | "hostname" | "timestamp", unknown>
  > | null;
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
export function isPulumiProcess(pid: number): boolean {
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
  readonly protect?: boolean;
  readonly outputs?: Record<string, unknown>;
}

/** An operation the state records as begun and never finished. */
export interface PendingOperation {
  /** `creating`, `updating`, `deleting`, `reading`, ... */
  readonly type: string;
  readonly urn: string;
}

export interface ExportedState {
  readonly resources: readonly ExportedResource[];
  readonly pendingOperations: readonly PendingOperation[];
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
  const commands = recoveryCommands(stack);
  if (locks.length > 0) await pulumiOk(commands.cancel, context);

  // Any pending operation, not only a create: the next update drops a pending delete or update
  // from state without looking, and the object stays as the state last held it, whether the
  // cluster deleted or changed it or not (a killed destroy left objects gone from the cluster and
  // kept in state). The refresh reads each one from the cluster.
  const pending = (await exportStackState(context, stack)).pendingOperations;
  const creates = pending.filter((operation) => operation.type === "creating");
  if (pending.length > 0) await pulumiOk(commands.clearPendingOperations, context);
  return {
    removedSidecars,
    removedLocks: locks,
    clearedPendingOperations: pending,
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
    ...(recovery.clearedPendingOperations.length > 0
      ? [
          `cleared ${recovery.clearedPendingOperations.length} pending operation(s) of an ` +
            `interrupted update (${pendingCounts(recovery.clearedPendingOperations)})` +
            (Object.keys(recovery.upEnvironment).length > 0
              ? `; this update adopts the objects it had made`
              : ""),
        ]
      : []),
  ];
}

/** How many operations of each type, as `2 creating, 1 deleting`. */
function pendingCounts(operations: readonly PendingOperation[]): string {
  const counts = new Map<string, number>();
  for (const { type } of operations) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, count]) => `${count} ${type}`).join(", ");
}
