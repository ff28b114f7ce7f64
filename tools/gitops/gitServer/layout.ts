/**
 * The files of one local git server inside its state directory. The host key, the admin key, the
 * repositories and the authorized keys live as long as the directory (one local environment);
 * the pid and the logs belong to one run of sshd.
 */
import { isAbsolute, join } from "node:path";
import { GitOpsError } from "../errors";

export interface GitServerLayout {
  dir: string;
  /** Generated once; its public half is the known_hosts line clients trust. */
  hostKey: string;
  /** The local environment's own key: write on every repository, for `push`. */
  adminKey: string;
  /** Bare repositories, `<owner>/<repo>.git`; owned by the git account, which serves them. */
  repositories: string;
  /** The copy of forcedCommand.sh that authorized_keys names. */
  forcedCommand: string;
  /** Every authorized key with its repository and access: what authorized_keys is made from. */
  keyRegistry: string;
  authorizedKeys: string;
  sshdConfig: string;
  /** The server's own host key line, for the admin client. */
  knownHosts: string;
  /** Port (kept across runs, so URLs and known_hosts stay valid) and the running sshd's pid. */
  stateFile: string;
  sshdPidFile: string;
  logDir: string;
  sshdLog: string;
}

// The directory ends up in sshd_config, in every authorized_keys command and in GIT_SSH_COMMAND;
// with only these characters none of them needs quoting.
const PLAIN_PATH = /^\/[A-Za-z0-9._/+-]*$/;

export function gitServerLayout(dir: string): GitServerLayout {
  if (!isAbsolute(dir) || !PLAIN_PATH.test(dir)) {
    throw new GitOpsError(
      `the git server's state directory must be an absolute path of letters, digits and ._/+- only, not ${JSON.stringify(dir)}`,
    );
  }
  const logDir = join(dir, "logs");
  return {
    dir,
    hostKey: join(dir, "host", "ssh_host_ed25519_key"),
    adminKey: join(dir, "admin", "id_ed25519"),
    repositories: join(dir, "repositories"),
    forcedCommand: join(dir, "bin", "forced-command.sh"),
    keyRegistry: join(dir, "keys.json"),
    authorizedKeys: join(dir, "authorized_keys"),
    sshdConfig: join(dir, "sshd_config"),
    knownHosts: join(dir, "known_hosts"),
    stateFile: join(dir, "state.json"),
    sshdPidFile: join(dir, "sshd.pid"),
    logDir,
    sshdLog: join(logDir, "sshd.log"),
  };
}

export const repositoryDir = (layout: GitServerLayout, repository: string): string =>
  join(layout.repositories, `${repository}.git`);
