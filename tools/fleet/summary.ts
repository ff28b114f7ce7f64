/**
 * What a fleet run found, per stack and overall: the model the table and the JSON are rendered
 * from, and the exit code derived from it. docs/operations/fleet.md documents the JSON.
 */
import type { Operation } from "./operations";

/**
 * - succeeded: the operation completed (for drift: see in-sync).
 * - in-sync: drift only; the refreshed stack matches its program.
 * - drifted: drift only; the refreshed stack would change (see `drift`).
 * - failed: the operation failed; `firstError` says why.
 * - invalid-config: the program refused the stack's config; `configProblems` says why.
 * - locked: another update holds the stack; nothing was run.
 * - cancelled: interrupted (Ctrl-C) while running.
 * - not-started: interrupted before its turn came.
 */
export const RESULTS = [
  "succeeded",
  "in-sync",
  "drifted",
  "failed",
  "invalid-config",
  "locked",
  "cancelled",
  "not-started",
] as const;
export type StackResult = (typeof RESULTS)[number];

export const CHANGE_KINDS = ["create", "update", "delete", "replace", "same"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export type ChangeCounts = Record<ChangeKind, number>;

/**
 * What the next `up` would do to a resource: `import` adopts an existing one into the state, and
 * every step of a replacement (in whichever order the engine takes it) is `replace`.
 */
export const DRIFT_CHANGES = ["create", "update", "delete", "replace", "import"] as const;
export type DriftChange = (typeof DRIFT_CHANGES)[number];

/** A resource the refreshed stack would change: what `drift` reports. */
export interface DriftedResource {
  readonly urn: string;
  /** The resource's type token, e.g. kubernetes:rbac.authorization.k8s.io/v1:RoleBinding. */
  readonly type: string;
  /** The resource's Pulumi name (the last part of its URN). */
  readonly name: string;
  /** What the next `up` would do to it. */
  readonly change: DriftChange;
}

export interface StackOutcome {
  readonly stack: string;
  readonly operation: Operation;
  readonly result: StackResult;
  /** Resources by kind of change, as the engine summed them up; null when it never got that far. */
  readonly changes: ChangeCounts | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationSeconds: number | null;
  readonly firstError: string | null;
  /** invalid-config only: the program's message, its heading line and one line per problem. */
  readonly configProblems: readonly string[];
  readonly drift: readonly DriftedResource[];
  /**
   * Interrupted after the engine had begun changing resources (`up`) or writing refreshed
   * state (`refresh`): its state and cluster hold part of the operation.
   */
  readonly leftMidUpdate: boolean;
  /** Resource operations the state records as begun and not finished (a forced stop). */
  readonly pendingOperations: number;
  readonly logFile: string | null;
}

export interface FleetSummary {
  readonly schemaVersion: 1;
  readonly operation: Operation;
  readonly stacksSelector: string;
  readonly concurrency: number;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly logDir: string;
  readonly interrupted: boolean;
  readonly exitCode: number;
  readonly stacks: readonly StackOutcome[];
}

export const EXIT_OK = 0;
/** A stack failed, was locked, had invalid config or was interrupted. */
export const EXIT_FAILED = 1;
// 2, bad flags or a stack selector that matches no stack (nothing was run), is EXIT_USAGE of
// tools/cliArgs.ts, every command's code for a wrong command line.
/** Drift was found, and nothing failed. */
export const EXIT_DRIFTED = 3;
/** Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** Results that need no one's attention. */
const FINE: readonly StackResult[] = ["succeeded", "in-sync"];

/** The worst thing that happened decides: an interrupt, then a failure, then drift. */
export function exitCodeFor(outcomes: readonly StackOutcome[], interrupted: boolean): number {
  if (interrupted) return EXIT_INTERRUPTED;
  const results = outcomes.map((outcome) => outcome.result);
  if (results.some((result) => result !== "drifted" && !FINE.includes(result))) return EXIT_FAILED;
  if (results.includes("drifted")) return EXIT_DRIFTED;
  return EXIT_OK;
}
