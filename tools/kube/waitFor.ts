/**
 * Waiting for something a server does in its own time: a process to serve, a CRD to be
 * Established, an object to be gone. A check is polled until it passes, a deadline passes, or
 * the process being waited for exits.
 */
import type { HttpResponse } from "./http";

/** What a check found: true when the wait is over, otherwise why not yet. */
export type ProbeResult = true | string;

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WaitOptions {
  /** When to give up, as a Date.now() time. */
  readonly deadline: number;
  /** Settles when the process whose readiness this is exits; the wait then ends at once. */
  readonly exited?: Promise<ProcessExit>;
  readonly intervalMs?: number;
}

/** The deadline `ms` from now. */
export const within = (ms: number): number => Date.now() + ms;

/** The deadline passed; the message is the last check's failure. */
export class NotReadyError extends Error {
  override name = "NotReadyError";
}

export class ExitedError extends Error {
  override name = "ExitedError";
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super("exited");
  }
}

/** A check of one response: 200 passes, anything else says what answered. */
export function expectStatus(response: HttpResponse, what: string): ProbeResult {
  if (response.status === 200) return true;
  const body = response.body.replace(/\s+/g, " ").trim().slice(0, 200);
  return `${what} answered ${response.status}${body ? `: ${body}` : ""}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns true. A check that throws (a server not listening yet) counts
 * as not ready. Throws NotReadyError with the last failure at the deadline, or ExitedError as
 * soon as `exited` settles.
 */
export async function waitFor(
  check: () => Promise<ProbeResult>,
  options: WaitOptions,
): Promise<void> {
  const seen: { exit?: ProcessExit } = {};
  void options.exited?.then((exit) => (seen.exit = exit));
  for (;;) {
    let failure: string;
    try {
      const result = await check();
      if (result === true) return;
      failure = result;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (seen.exit) throw new ExitedError(seen.exit.code, seen.exit.signal);
    if (Date.now() >= options.deadline) throw new NotReadyError(failure);
    await sleep(options.intervalMs ?? 250);
  }
}
