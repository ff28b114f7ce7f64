/**
 * environment.json: what `up:local` set up, for `local:push` and `local:status` (other processes)
 * to find: the kubeconfig, the git server's state directory, and which repository each sync
 * reads.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { GitOpsError } from "../errors";
import type { SyncedRepository } from "./stackSettings";

export interface EnvironmentRecord {
  readonly kubeconfig: string;
  readonly gitServerDir: string;
  /** `system` first, then each application, with its SSH URL on the git server. */
  readonly repositories: readonly (SyncedRepository & { readonly url: string })[];
}

export function writeEnvironmentRecord(path: string, record: EnvironmentRecord): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The record, or undefined when up:local has never run here. */
export function readEnvironmentRecord(path: string): EnvironmentRecord | undefined {
  if (!existsSync(path)) return undefined;
  const record = JSON.parse(readFileSync(path, "utf8")) as Partial<EnvironmentRecord>;
  if (
    typeof record.kubeconfig !== "string" ||
    typeof record.gitServerDir !== "string" ||
    !Array.isArray(record.repositories)
  ) {
    throw new GitOpsError(`${path} is not a local environment record; run \`npm run up:local\``);
  }
  return record as EnvironmentRecord;
}
