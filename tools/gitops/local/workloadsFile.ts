/**
 * workloads.json: the process runner's report as the supervisor last wrote it, for
 * `local:status`, which runs in another process.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { WorkloadReport } from "../runner/runner";

export interface WorkloadsFile {
  readonly written: string;
  readonly supervisorPid: number;
  readonly workloads: readonly WorkloadReport[];
}

export function readWorkloadsFile(path: string): WorkloadsFile | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as WorkloadsFile;
  } catch {
    return undefined;
  }
}

export function writeWorkloadsFile(path: string, workloads: readonly WorkloadReport[]): void {
  const file: WorkloadsFile = {
    written: new Date().toISOString(),
    supervisorPid: process.pid,
    workloads,
  };
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}
