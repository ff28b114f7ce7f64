/**
 * The bench's fleet figures: `npm run fleet` on three local stacks, each with a control plane
 * of its own, at concurrency 1 and then, on a fresh fleet, at concurrency 2. For each: `fleet
 * up` from empty, a `fleet up` that changes nothing and a `fleet drift` (the daily check),
 * timed from the command's start to its exit, as the person running it waits.
 */
import { join } from "node:path";
import type { Operation } from "../fleet/operations";
import type { FleetSummary } from "../fleet/summary";
import { type ProcessMark, runFleetCli, summaryOf } from "./fleetProcess";
import { type LocalFleet, startLocalFleet } from "./localFleet";
import { killNow, processesMarked } from "./markedProcesses";

const STACKS = ["a", "b", "c"].map((name) => ({ name: `bench-${name}`, tenant: `tenant-${name}` }));
const SELECTOR = "bench-*";

/** Marks every process a fleet run of this bench starts, at any depth. */
const BENCH_MARK: ProcessMark = { name: "K8S_FLUX_BENCH", value: String(process.pid) };

/** In this order, on one fleet: the second and third find what the first deployed. */
const RUNS = [
  { label: "up from empty", operation: "up" },
  { label: "no-change up", operation: "up" },
  { label: "drift", operation: "drift" },
] as const satisfies readonly { label: string; operation: Operation }[];

export interface FleetRunFigures {
  readonly label: string;
  /** From the command's start to its exit. */
  readonly wallSeconds: number;
  /** The mean of the stacks' own durations, as the summary reports them. */
  readonly meanStackSeconds: number;
  /** Resources created, updated, deleted or replaced (for drift: that would be), all stacks. */
  readonly changed: number;
}

export interface FleetFigures {
  readonly stacks: number;
  /** Resources per stack, as the first `fleet up` created them. */
  readonly resourcesPerStack: number;
  readonly byConcurrency: ReadonlyMap<number, readonly FleetRunFigures[]>;
}

const changedIn = (summary: FleetSummary): number =>
  summary.stacks.reduce((sum, outcome) => {
    const changes = outcome.changes;
    if (!changes) return sum;
    return sum + changes.create + changes.update + changes.delete + changes.replace;
  }, 0);

/**
 * While a fleet command runs, a stop request (Ctrl-C, SIGTERM, SIGHUP) is passed on to it as
 * SIGTERM, and listening keeps this process alive until the command has exited: the control
 * planes' own handler stops them, and ends this process only when no one else listens. A
 * terminal's Ctrl-C has reached the command already, so this is its second interrupt: it stops
 * at once, with everything it started.
 */
async function runTimed(
  fleet: LocalFleet,
  label: string,
  operation: Operation,
  concurrency: number,
): Promise<{ figures: FleetRunFigures; summary: FleetSummary }> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  let commandPid: number | undefined;
  let stopRequested = false;
  const onStop = (): void => {
    stopRequested = true;
    if (commandPid === undefined) return;
    try {
      process.kill(commandPid, "SIGTERM");
    } catch {
      // ESRCH: it has just exited.
    }
  };
  for (const signal of signals) process.on(signal, onStop);
  const args = [operation, "--stacks", SELECTOR, "--concurrency", String(concurrency), "--json"];
  try {
    const run = await runFleetCli(fleet, args, BENCH_MARK, async (pid) => {
      commandPid = pid;
    });
    if (stopRequested) throw new Error("stopped");
    const summary = summaryOf(run);
    const expected = operation === "drift" ? "in-sync" : "succeeded";
    const off = summary.stacks.filter((outcome) => outcome.result !== expected);
    if (run.code !== 0 || off.length > 0) {
      const problems = off.map((outcome) => `${outcome.stack} ${outcome.result}`).join(", ");
      throw new Error(
        `fleet ${args.join(" ")} exited ${run.code} (${problems}); logs in ${fleet.logDir}`,
      );
    }
    const stackSeconds = summary.stacks.map((outcome) => outcome.durationSeconds ?? 0);
    return {
      figures: {
        label,
        wallSeconds: run.seconds,
        meanStackSeconds: stackSeconds.reduce((sum, value) => sum + value, 0) / stackSeconds.length,
        changed: changedIn(summary),
      },
      summary,
    };
  } finally {
    for (const signal of signals) process.off(signal, onStop);
  }
}

/** A fresh fleet, every run of RUNS on it at `concurrency`, and every process stopped after. */
async function measureAt(
  workDir: string,
  concurrency: number,
): Promise<{ runs: FleetRunFigures[]; resourcesPerStack: number }> {
  let fleet: LocalFleet | undefined;
  try {
    fleet = await startLocalFleet({ workDir, stacks: STACKS });
    const runs: FleetRunFigures[] = [];
    let resourcesPerStack = 0;
    for (const { label, operation } of RUNS) {
      const { figures, summary } = await runTimed(fleet, label, operation, concurrency);
      if (runs.length === 0) {
        resourcesPerStack = Math.max(
          ...summary.stacks.map((outcome) => outcome.changes?.create ?? 0),
        );
      }
      runs.push(figures);
    }
    return { runs, resourcesPerStack };
  } finally {
    // A command that failed or was stopped may have left what it started.
    killNow(processesMarked(BENCH_MARK.name, BENCH_MARK.value));
    await fleet?.stop();
  }
}

/** Each fleet in a directory of its own under `workDir`, emptied first. */
export async function measureFleet(workDir: string): Promise<FleetFigures> {
  const one = await measureAt(join(workDir, "fleet-concurrency-1"), 1);
  const two = await measureAt(join(workDir, "fleet-concurrency-2"), 2);
  return {
    stacks: STACKS.length,
    resourcesPerStack: one.resourcesPerStack,
    byConcurrency: new Map([
      [1, one.runs],
      [2, two.runs],
    ]),
  };
}

export function printFleetFigures(figures: FleetFigures): void {
  const one = figures.byConcurrency.get(1) ?? [];
  const two = figures.byConcurrency.get(2) ?? [];
  const width = 11;
  const cell = (value: number) => `${value.toFixed(1)} s`.padStart(width);
  const pair = (text: string) => text.padStart(2 * width);
  console.log(
    `\nfleet: ${figures.stacks} stacks of ${figures.resourcesPerStack} resources, a control plane each`,
  );
  console.log(`${"".padEnd(14)}${pair("concurrency 1")}${pair("concurrency 2")}`);
  const columns = ["wall", "per stack", "wall", "per stack"];
  console.log(
    `${"run".padEnd(14)}${columns.map((column) => column.padStart(width)).join("")}${"1 against 2".padStart(width + 2)}`,
  );
  one.forEach((first, index) => {
    const second = two[index];
    if (!second) return;
    const ratio = `${(first.wallSeconds / second.wallSeconds).toFixed(2)}x`.padStart(width + 2);
    console.log(
      `${first.label.padEnd(14)}${cell(first.wallSeconds)}${cell(first.meanStackSeconds)}${cell(second.wallSeconds)}${cell(second.meanStackSeconds)}${ratio}`,
    );
  });
  // Only the first run of each fleet should change anything.
  for (const [concurrency, runs] of figures.byConcurrency) {
    for (const run of runs.slice(1).filter((later) => later.changed > 0)) {
      console.log(
        `note: ${run.label} at concurrency ${concurrency} changed ${run.changed} resource(s)`,
      );
    }
  }
}
