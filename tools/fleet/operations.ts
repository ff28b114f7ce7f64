/** The operations a fleet run can apply to each stack, and what each one means. */

export const OPERATIONS = ["preview", "up", "refresh", "drift"] as const;
export type Operation = (typeof OPERATIONS)[number];

export const isOperation = (value: string): value is Operation =>
  (OPERATIONS as readonly string[]).includes(value);

/** Operations that write to the stack's state (and to its cluster), so that stopping one half-way leaves it mid-update. */
export const changesState = (operation: Operation): boolean =>
  operation === "up" || operation === "refresh";

/**
 * Operations the engine runs without taking the stack's lock: a preview on a file or
 * cloud-storage backend reads the state as it is, even while another update is writing it. The
 * fleet looks for a lock itself before running them (lockCheck.ts).
 */
export const takesNoLock = (operation: Operation): boolean => !changesState(operation);
