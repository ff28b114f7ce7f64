/**
 * runner.json in the runner's state dir: the pid and start time of each process it runs, written
 * as they start and stop, so a later `down` (another process) stops exactly those.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface RecordedWorkloadProcess {
  pid: number;
  startTime: number;
}

export type RunnerState = Record<string, RecordedWorkloadProcess>;

export const runnerStateFile = (stateDir: string): string => join(stateDir, "runner.json");

export function readRunnerState(stateDir: string): RunnerState {
  const path = runnerStateFile(stateDir);
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, "utf8")) as RunnerState;
}

export function writeRunnerState(stateDir: string, state: RunnerState): void {
  const path = runnerStateFile(stateDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
