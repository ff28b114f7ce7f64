/**
 * The `git` account sshd serves clients as. Repositories belong to it, so that a push through
 * sshd can write them; the files sshd and the forced command read as it must be readable by it.
 */
import { runCommand, type CommandResult } from "../command";
import { GitOpsError } from "../errors";
import { GIT_ACCOUNT } from "./sshdConfig";

/** git reads no system or user configuration: what it does depends on this code only. */
export const GIT_WITHOUT_CONFIG = { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };

const INSTALL_HINT = "run `bash tools/gitops/installPrerequisites.sh` as root";

export interface Account {
  uid: number;
  gid: number;
}

export async function gitAccount(): Promise<Account> {
  const result = await runCommand("getent", ["passwd", GIT_ACCOUNT]);
  const [, , uid, gid] = result.stdout.trim().split(":");
  if (result.code !== 0 || uid === undefined || gid === undefined) {
    throw new GitOpsError(`there is no ${GIT_ACCOUNT} account for the git server; ${INSTALL_HINT}`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a program as the git account (setpriv, util-linux), with its own groups only. */
export function runAsGitAccount(
  account: Account,
  command: string,
  args: readonly string[],
): Promise<CommandResult> {
  return runCommand(
    "setpriv",
    [`--reuid=${account.uid}`, `--regid=${account.gid}`, "--clear-groups", "--", command, ...args],
    // Root's HOME and git configuration are not the git account's to read.
    { env: { PATH: process.env.PATH, HOME: "/", LC_ALL: "C", ...GIT_WITHOUT_CONFIG } },
  );
}

export async function runAsGitAccountOk(
  account: Account,
  command: string,
  args: readonly string[],
): Promise<void> {
  const result = await runAsGitAccount(account, command, args);
  if (result.code !== 0) {
    throw new GitOpsError(
      `${command} ${args.join(" ")}, run as ${GIT_ACCOUNT}, failed: ${result.stderr.trim()}`,
    );
  }
}

/**
 * sshd reads authorized_keys, and runs the forced command, as the git account: every directory
 * above them must let it through. Checked before start, so the failure names the path instead
 * of every login failing.
 */
export async function assertReadableByGitAccount(
  account: Account,
  paths: readonly string[],
): Promise<void> {
  for (const path of paths) {
    const result = await runAsGitAccount(account, "test", ["-r", path]);
    if (result.code !== 0) {
      throw new GitOpsError(
        `the ${GIT_ACCOUNT} account cannot read ${path}; make each directory above it searchable by others (chmod o+x) or choose another state directory`,
      );
    }
  }
}

/** Which programs the server needs, and whether they are installed. */
export async function assertPrerequisites(): Promise<void> {
  for (const program of ["/usr/sbin/sshd", "ssh", "ssh-keygen", "git", "setpriv"]) {
    const found = await runCommand("sh", ["-c", 'command -v "$1"', "sh", program]);
    if (found.code !== 0) {
      throw new GitOpsError(`${program} is not installed; ${INSTALL_HINT}`);
    }
  }
  await gitAccount();
  if (process.getuid?.() !== 0) {
    throw new GitOpsError(
      "the git server runs sshd, which must start as root to serve the git account; run as root",
    );
  }
}
