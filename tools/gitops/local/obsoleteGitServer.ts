/**
 * The git server's state as `up:local` kept it before it moved out of the checkout (see
 * gitServerHome.ts): `<root>/git-server`, root being .cache/gitops-local. An environment started
 * then may still have its sshd running from there; nothing reads the directory any more.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gitServerLayout } from "../gitServer/layout";
import { readServerState } from "../gitServer/state";
import { isSameProcess } from "../processes";

export interface ObsoleteGitServer {
  readonly dir: string;
  /** The sshd recorded there, while it still runs. */
  readonly runningSshd?: { readonly pid: number; readonly port: number };
}

/** The obsolete git server directory under the local environment's root, if there is one. */
export function obsoleteGitServer(root: string): ObsoleteGitServer | undefined {
  const dir = join(root, "git-server");
  if (!existsSync(dir)) return undefined;
  const state = readServerState(gitServerLayout(dir));
  const sshd = state?.sshd;
  return sshd && isSameProcess(sshd.pid, sshd.startTime)
    ? { dir, runningSshd: { pid: sshd.pid, port: state.port } }
    : { dir };
}

export const obsoleteNotice = (dir: string): string =>
  `${dir} is where the git server lived before it moved out of the checkout; nothing uses it any more, and it may be removed (rm -rf ${dir})`;
