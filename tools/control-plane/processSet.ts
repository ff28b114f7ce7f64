/**
 * What one control plane runs, from its start until its stop: the processes to stop (in reverse
 * order of start), every pid it has ever run, and state.json kept in step with both. An API server
 * started again (apiserverRestart.ts) joins the set of the control plane that runs from the same
 * directory in this process, so its stop(), its exit guard and its pids() reach that one too.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ControlPlaneError } from "./errors";
import { layout, type Layout } from "./layout";
import { assertPortsFree, type ControlPlanePorts } from "./ports";
import { killGroupNow, stopGroup, type Launched } from "./processes";
import { readState, withProcess, writeState, type ControlPlaneState } from "./state";

/** The sets of the control planes this process runs, by directory. */
const running = new Map<string, ProcessSet>();

/**
 * A process started again for the control plane in `dir`, in place of its component's last one:
 * recorded in state.json, and taken into the set of that control plane if this process runs it.
 */
export function recordRestart(dir: string, launched: Launched): void {
  const { stateFile } = layout(dir);
  const state = readState(stateFile);
  if (state) writeState(stateFile, withProcess(state, launched));
  ProcessSet.runningFrom(dir)?.adopt(launched);
}

/** A process of the control plane in `dir` that was stopped on its own and has exited. */
export function recordExit(dir: string, pid: number): void {
  ProcessSet.runningFrom(dir)?.exited(pid);
}

export class ProcessSet {
  /** What runs now. */
  private readonly launched: Launched[] = [];
  /** Components in the order first started: the reverse of the order they stop in. */
  private readonly components: string[] = [];
  private readonly ran = new Set<number>();
  private ports: ControlPlanePorts | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly files: Layout,
    private readonly createdDir: boolean,
  ) {
    running.set(resolve(files.dir), this);
  }

  /** The set of the control plane this process runs from `dir`, if it runs one. */
  static runningFrom(dir: string): ProcessSet | undefined {
    return running.get(resolve(dir));
  }

  /** Writes the first state.json: where the control plane serves, and no process yet. */
  record(state: ControlPlaneState): void {
    this.ports = state.ports;
    writeState(this.files.stateFile, state);
  }

  /** A process started for this control plane; recorded in state.json in place of its component's last. */
  add(launched: Launched): void {
    this.adopt(launched);
    const state = this.ports ? readState(this.files.stateFile) : undefined;
    if (state) writeState(this.files.stateFile, withProcess(state, launched));
  }

  /** As add(), for a process whose start has recorded it in state.json already. */
  adopt(launched: Launched): void {
    if (this.stopping) {
      // The control plane was stopped while this one was starting.
      killGroupNow(launched.pid);
      throw new ControlPlaneError(`stopped while starting ${launched.component}`);
    }
    this.launched.push(launched);
    this.ran.add(launched.pid);
    if (!this.components.includes(launched.component)) this.components.push(launched.component);
  }

  /** A process that was stopped on its own and has exited: never signalled again, still in pids. */
  exited(pid: number): void {
    const index = this.launched.findIndex((launched) => launched.pid === pid);
    if (index >= 0) this.launched.splice(index, 1);
  }

  /** Every pid this control plane has run, in the order started. */
  pids(): number[] {
    return [...this.ran];
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** For an exiting process: no waiting, so SIGKILL and a best-effort removal. */
  killNow(): void {
    for (const launched of this.launched) killGroupNow(launched.pid);
    this.removeDirectory();
  }

  private async stopAll(): Promise<void> {
    try {
      while (this.launched.length > 0) {
        const launched = this.startedLast();
        await stopGroup(launched.pid);
        // Gone from the list once gone for good, so an exit handler never signals a reused pid.
        this.launched.splice(this.launched.indexOf(launched), 1);
      }
      if (this.ports) await assertPortsFree(this.ports);
      this.removeDirectory();
    } finally {
      const key = resolve(this.files.dir);
      if (this.launched.length === 0 && running.get(key) === this) running.delete(key);
    }
  }

  /** A component started again stops where its first process would: the API server before etcd. */
  private startedLast(): Launched {
    const rank = (launched: Launched): number => this.components.indexOf(launched.component);
    return this.launched.reduce((last, launched) =>
      rank(launched) >= rank(last) ? launched : last,
    );
  }

  private removeDirectory(): void {
    const dir = this.files.dir;
    if (this.createdDir) {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
      return;
    }
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      rmSync(join(dir, entry), { recursive: true, force: true, maxRetries: 5 });
    }
  }
}
