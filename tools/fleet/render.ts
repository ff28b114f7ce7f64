/**
 * The summary for people (a table, then what needs attention) and for programs (JSON, as
 * documented in docs/operations/fleet.md).
 */
import { CHANGE_KINDS, type FleetSummary, type StackOutcome } from "./summary";

/** The first error's line is cut here in the table; the JSON and the log have it whole. */
const ERROR_WIDTH = 100;

const HEADINGS = [
  "STACK",
  "OPERATION",
  "RESULT",
  ...CHANGE_KINDS.map((kind) => kind.toUpperCase()),
  "DURATION",
  "FIRST ERROR",
];
/** Numbers read best aligned right. */
const RIGHT_ALIGNED = new Set([...CHANGE_KINDS.map((kind) => kind.toUpperCase()), "DURATION"]);

const shorten = (text: string, width: number): string =>
  text.length <= width ? text : `${text.slice(0, width - 3)}...`;

function row(outcome: StackOutcome): string[] {
  const counts = CHANGE_KINDS.map((kind) =>
    outcome.changes === null ? "-" : String(outcome.changes[kind]),
  );
  const duration =
    outcome.durationSeconds === null ? "-" : `${outcome.durationSeconds.toFixed(1)} s`;
  return [
    outcome.stack,
    outcome.operation,
    outcome.result,
    ...counts,
    duration,
    shorten(outcome.firstError ?? "", ERROR_WIDTH),
  ];
}

function table(rows: readonly string[][]): string[] {
  const widths = HEADINGS.map((_, column) =>
    Math.max(...rows.map((cells) => (cells[column] ?? "").length)),
  );
  return rows.map((cells) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return RIGHT_ALIGNED.has(HEADINGS[column] ?? "")
          ? cell.padStart(width)
          : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd(),
  );
}

/** One line per result, e.g. "2 succeeded, 1 drifted". */
function tally(outcomes: readonly StackOutcome[]): string {
  const counts = new Map<string, number>();
  for (const { result } of outcomes) counts.set(result, (counts.get(result) ?? 0) + 1);
  return [...counts].map(([result, count]) => `${count} ${result}`).join(", ");
}

const seeLog = (outcome: StackOutcome): string =>
  outcome.logFile === null ? "" : `; see ${outcome.logFile}`;

/** What needs attention, stack by stack, below the table. */
function details(summary: FleetSummary): string[] {
  const lines: string[] = [];
  for (const outcome of summary.stacks) {
    for (const resource of outcome.drift) {
      lines.push(
        `${outcome.stack}: drifted: ${resource.type} ${resource.name} (${resource.change})`,
      );
    }
    if (outcome.configProblems.length > 0) {
      const [heading, ...problems] = outcome.configProblems;
      lines.push(`${outcome.stack}: ${heading}`, ...problems.map((problem) => `  ${problem}`));
    }
    // Config refused before the program ran (no stack file) has no program message to show.
    const noProgramMessage =
      outcome.result === "invalid-config" && outcome.configProblems.length === 0;
    if (outcome.result === "failed" || outcome.result === "locked" || noProgramMessage) {
      lines.push(`${outcome.stack}: ${outcome.result}: ${outcome.firstError}${seeLog(outcome)}`);
    }
    if (outcome.leftMidUpdate) {
      const pending =
        outcome.pendingOperations > 0
          ? `, with ${outcome.pendingOperations} resource operation(s) begun and not finished`
          : "";
      lines.push(`${outcome.stack}: left mid-update${pending}${seeLog(outcome)}`);
    }
  }
  return lines;
}

export function renderTable(summary: FleetSummary): string {
  const lines = table([HEADINGS, ...summary.stacks.map(row)]);
  const attention = details(summary);
  if (attention.length > 0) lines.push("", ...attention);
  lines.push(
    "",
    `${summary.operation} on ${summary.stacks.length} stack(s) in ${summary.durationSeconds.toFixed(1)} s: ${tally(summary.stacks)}${summary.interrupted ? " (interrupted)" : ""}; logs in ${summary.logDir}; exit code ${summary.exitCode}`,
  );
  return `${lines.join("\n")}\n`;
}

export function renderJson(summary: FleetSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}
