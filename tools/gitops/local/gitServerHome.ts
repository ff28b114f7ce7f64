/**
 * Where the git server of `npm run up:local` keeps its state: one directory per checkout and user
 * under /var/lib/k8s-flux/local-git-servers, outside the checkout. sshd runs the forced command
 * as the git account, which must pass through every directory above the repositories, and a
 * checkout may sit under a private one (a clone in `mktemp -d`, a home directory of mode 700).
 *
 * Not under /tmp or /var/tmp: the host key (which the stack trusts through knownHosts) and the
 * repositories are meant to last as long as the environment, and the system empties those on
 * boot or removes their old files one by one (Debian 13: after 10 and 30 days), which would leave
 * a repository without some of its objects. up:local runs as root in any case, for sshd.
 *
 * An environment moved out of the checkout with K8S_FLUX_LOCAL_DIR (layout.ts) is named after that
 * directory instead, in the same way, so it gets a git server of its own.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { REPO_ROOT } from "../../repoRoot";
import { GitOpsError } from "../errors";

export const LOCAL_GIT_SERVERS_DIR = "/var/lib/k8s-flux/local-git-servers";

/** The file in the directory that names the checkout it belongs to, for a person cleaning up. */
export const CHECKOUT_FILE = "checkout";

const currentUid = (): number => process.getuid?.() ?? 0;

/**
 * `<base>/<checkout's name>-<16 hex digits>`: the digits are a hash of the user id and the
 * checkout's real path, so two checkouts (or users) never share a server, and a checkout keeps
 * its own across runs. The name is only for people reading the directory.
 */
export function localGitServerDir(
  checkout = REPO_ROOT,
  uid = currentUid(),
  base = LOCAL_GIT_SERVERS_DIR,
): string {
  const real = existsSync(checkout) ? realpathSync(checkout) : checkout;
  const id = createHash("sha256").update(`${uid}\0${real}`).digest("hex").slice(0, 16);
  const name = basename(real)
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .slice(0, 40);
  return join(base, `${name}-${id}`);
}

/**
 * Root's sshd trusts what is in the directory (its host key, authorized_keys and the forced
 * command), so it must be a real directory of this user that nobody else can write.
 */
function assertOwnDirectory(path: string, uid: number): void {
  const stat = lstatSync(path);
  const problem = !stat.isDirectory()
    ? "is not a directory (a symbolic link is not followed)"
    : stat.uid !== uid
      ? `belongs to uid ${stat.uid}, not to this user (uid ${uid})`
      : (stat.mode & 0o022) !== 0
        ? `is writable by group or others (mode ${(stat.mode & 0o777).toString(8)})`
        : undefined;
  if (problem) {
    throw new GitOpsError(
      `${path}, where the local git server keeps its state, ${problem}; remove it, or fix it by hand`,
    );
  }
}

/**
 * Creates the directory and the ones above it up to `base` (mode 755: the git account passes
 * through), checks them, and records which checkout the directory is for. What sshd alone reads
 * (the host key, the admin key) is made private inside it by the git server itself.
 */
export function prepareLocalGitServerDir(
  dir: string,
  checkout = REPO_ROOT,
  uid = currentUid(),
): void {
  const created = mkdirSync(dir, { recursive: true });
  if (created !== undefined) {
    // mkdir's mode is reduced by the umask; set it outright on each directory made here.
    for (let path = dir; path.length >= created.length; path = dirname(path)) {
      chmodSync(path, 0o755);
    }
  }
  assertOwnDirectory(dirname(dir), uid);
  assertOwnDirectory(dir, uid);
  writeFileSync(join(dir, CHECKOUT_FILE), `${checkout}\n`, { mode: 0o644 });
}
