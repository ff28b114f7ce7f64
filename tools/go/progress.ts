/**
 * What a long build says while it runs: every 30 s, which tool, which step and how long it has
 * taken so far against the last recorded build, so a cold build of half an hour is never silent.
 */

export const PROGRESS_INTERVAL_MS = 30_000;

/** 754_000 -> "12m 34s"; under a minute -> "34s". */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

export interface ProgressState {
  tool: string;
  version: string;
  step: string;
  elapsedMs: number;
  /** The last recorded build of this tool, if any. */
  last?: { version: string; seconds: number };
}

export function progressLine(state: ProgressState): string {
  const head = `${state.tool} ${state.version}: ${state.step}, ${duration(state.elapsedMs)} so far`;
  if (!state.last) return `${head} (no earlier build recorded)`;
  const lastMs = state.last.seconds * 1000;
  const of = state.last.version === state.version ? "" : ` of ${state.last.version}`;
  const over = state.elapsedMs > lastMs ? ", longer already" : "";
  return `${head} (last build${of} took ${duration(lastMs)}${over})`;
}

/** Reports the current step now and then; `moveTo` moves it on, `stop` ends the reports. */
export class ProgressReporter {
  private step = "starting";
  /** What the step is doing lately, e.g. a download; shown while it is fresh. */
  private detail?: { text: string; at: number };
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly state: Omit<ProgressState, "step" | "elapsedMs">,
    private readonly print: (line: string) => void,
    private readonly intervalMs: number = PROGRESS_INTERVAL_MS,
  ) {
    this.timer = setInterval(() => this.print(this.line()), intervalMs);
  }

  moveTo(step: string): void {
    this.step = step;
    this.detail = undefined;
  }

  note(text: string): void {
    this.detail = { text, at: Date.now() };
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  line(): string {
    // go prints nothing while it compiles, so a download noted long ago is over.
    const fresh = this.detail && Date.now() - this.detail.at < this.intervalMs;
    const step = fresh ? `${this.step}, ${this.detail?.text}` : this.step;
    return progressLine({ ...this.state, step, elapsedMs: this.elapsedMs() });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The module go is fetching, from the last "go: downloading <module> <version>" in a chunk. */
export function downloadIn(chunk: string): string | undefined {
  const lines = [...chunk.matchAll(/^go: downloading (\S+) (\S+)$/gm)];
  const last = lines[lines.length - 1];
  return last ? `${last[1]} ${last[2]}` : undefined;
}
