/** Stack outcomes and summaries for the fleet's unit tests, every field set unless overridden. */
import type { FleetSummary, StackOutcome } from "../../tools/fleet/summary";
import { exitCodeFor } from "../../tools/fleet/summary";

export function outcome(
  overrides: Partial<StackOutcome> & Pick<StackOutcome, "stack">,
): StackOutcome {
  return {
    operation: "up",
    result: "succeeded",
    changes: { create: 0, update: 0, delete: 0, replace: 0, same: 18 },
    startedAt: "2026-01-05T10:00:00.000Z",
    finishedAt: "2026-01-05T10:00:12.345Z",
    durationSeconds: 12.345,
    firstError: null,
    configProblems: [],
    drift: [],
    leftMidUpdate: false,
    pendingOperations: 0,
    logFile: `/var/log/fleet/${overrides.stack}.log`,
    ...overrides,
  };
}

export function summaryOf(
  stacks: StackOutcome[],
  overrides: Partial<FleetSummary> = {},
): FleetSummary {
  const interrupted = overrides.interrupted ?? false;
  return {
    schemaVersion: 1,
    operation: stacks[0]?.operation ?? "up",
    stacksSelector: "*",
    concurrency: 2,
    startedAt: "2026-01-05T10:00:00.000Z",
    durationSeconds: 30.25,
    logDir: "/var/log/fleet",
    interrupted,
    exitCode: exitCodeFor(stacks, interrupted),
    stacks,
    ...overrides,
  };
}
