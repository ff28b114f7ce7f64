/**
 * Errors a user can act on. The message's first line says what went wrong and what to do; a
 * start failure adds the last lines of the failing process's log below it.
 */

export const LOG_TAIL_LINES = 20;

export class ControlPlaneError extends Error {
  override name = "ControlPlaneError";
  /** The one-line summary, without any log tail. */
  readonly summary: string;

  constructor(summary: string, detail?: string) {
    super(detail ? `${summary}\n${detail}` : summary);
    this.summary = summary;
  }
}

export function tailLines(text: string, count: number = LOG_TAIL_LINES): string[] {
  const lines = text.replace(/\s+$/, "").split("\n");
  return lines.length === 1 && lines[0] === "" ? [] : lines.slice(-count);
}

/** Known causes in a component's log that deserve their own advice. */
export function diagnoseLog(logText: string): string | undefined {
  const bindFailure =
    /(?:listen tcp|bind:?)[^\n]*?127\.0\.0\.1:(\d+)[^\n]*address already in use/.exec(logText);
  if (bindFailure) {
    return `port ${bindFailure[1]} on 127.0.0.1 is already in use; free it (see \`ss -ltnp 'sport = :${bindFailure[1]}'\`) or run again to pick other ports`;
  }
  if (/address already in use/.test(logText)) {
    return "a port it needs is already in use; free it (see `ss -ltnp`) or run again to pick other ports";
  }
  return undefined;
}

/** The last line a Go server logged as an error (klog E/F lines, etcd's JSON levels, cobra's "Error:"). */
export function lastErrorLine(logText: string): string | undefined {
  const lines = logText.split("\n").reverse();
  const line = lines.find(
    (l) => /^[EF]\d{4} /.test(l) || /"level":"(?:error|fatal|panic)"/.test(l) || /^Error: /.test(l),
  );
  return line === undefined
    ? undefined
    : truncate(readableJsonLog(line.trim()) ?? line.trim(), 300);
}

/** etcd logs JSON: its message and fields read better than the raw object with a stack trace. */
function readableJsonLog(line: string): string | undefined {
  if (!line.startsWith("{")) return undefined;
  const NOT_SHOWN = new Set(["level", "ts", "caller", "stacktrace", "msg"]);
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.entries(entry)
      .filter(([key]) => !NOT_SHOWN.has(key))
      .map(([key, value]) => `${key}: ${String(value)}`);
    const message = String(entry.msg);
    return extra.length > 0 ? `${message} (${extra.join(", ")})` : message;
  } catch {
    return undefined;
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface StartFailure {
  /** etcd, kube-apiserver or kube-controller-manager. */
  component: string;
  /** What happened, e.g. "exited with code 1" or "was not ready after 180 s". */
  what: string;
  logText: string;
}

export function startFailureError(failure: StartFailure): ControlPlaneError {
  const cause = diagnoseLog(failure.logText) ?? lastErrorLine(failure.logText);
  const summary =
    `${failure.component} ${failure.what}` +
    (cause ? `: ${cause}` : "") +
    "; everything started was stopped";
  const tail = tailLines(failure.logText);
  const detail =
    tail.length > 0
      ? [`--- last ${tail.length} lines of the ${failure.component} log ---`, ...tail].join("\n")
      : `(the ${failure.component} log is empty)`;
  return new ControlPlaneError(summary, detail);
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code ?? "unknown"}`;
}
