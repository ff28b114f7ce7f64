/**
 * state.json of a git server: the port it serves on (kept across runs, since URLs and the
 * known_hosts line name it) and, while it runs, sshd's pid and start time.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseJsonOr } from "../../problems";
import { GitOpsError } from "../errors";
import type { GitServerLayout } from "./layout";

export interface GitServerState {
  port: number;
  sshd?: { pid: number; startTime: number };
}

export function readServerState(layout: GitServerLayout): GitServerState | undefined {
  if (!existsSync(layout.stateFile)) return undefined;
  const invalid = () =>
    new GitOpsError(
      `${layout.stateFile} is not a git server state file; stop any sshd started from ${layout.dir} by hand and remove the file`,
    );
  const value = parseJsonOr(
    readFileSync(layout.stateFile, "utf8"),
    invalid,
  ) as Partial<GitServerState> | null;
  const sshd = value?.sshd;
  const valid =
    Number.isInteger(value?.port) &&
    (sshd === undefined || (Number.isInteger(sshd.pid) && Number.isInteger(sshd.startTime)));
  if (!valid) throw invalid();
  return value as GitServerState;
}

export function writeServerState(layout: GitServerLayout, state: GitServerState): void {
  writeFileSync(`${layout.stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${layout.stateFile}.tmp`, layout.stateFile);
}
