/**
 * environment.json: what `up:local` set up, for `local:push` and `local:status` (other processes)
 * to find: the kubeconfig, the git server's state directory, and which repository each sync
 * reads.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseJsonOr } from "../../problems";
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
  const invalid = () =>
    new GitOpsError(`${path} is not a local environment record; run \`npm run up:local\``);
  const record = parseJsonOr(readFileSync(path, "utf8"), invalid) as Partial<EnvironmentRecord>;
  const isRepository = (entry: unknown): boolean => {
    const { target, repository, url, path: folder } = (entry ?? {}) as Record<string, unknown>;
    return (
      typeof target === "string" &&
      typeof repository === "string" &&
      typeof url === "string" &&
      (folder === undefined || folder === null || typeof folder === "string")
    );
  };
  if (
    typeof record !== "object" ||
    record === null ||
    typeof record.kubeconfig !== "string" ||
    typeof record.gitServerDir !== "string" ||
    !Array.isArray(record.repositories) ||
    !record.repositories.every(isRepository)
  ) {
    throw invalid();
  }
  return record as EnvironmentRecord;
}

/**
 * The record, for a command that needs the environment up (local:status, local:push); without
 * it, an error that says where it looked and how to set the environment up.
 */
export function requireEnvironmentRecord(path: string): EnvironmentRecord {
  const record = readEnvironmentRecord(path);
  if (!record) {
    throw new GitOpsError(
      `the local environment is not up: up:local has not run here (no ${path}); run \`npm run up:local\``,
    );
  }
  return record;
}
