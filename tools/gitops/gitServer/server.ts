/**
 * A local git server that behaves like GitHub for deploy keys, on Debian's sshd and git: a private
 * sshd on a loopback port, with its own config, host key and authorized_keys, serving bare
 * repositories as the `git` account. Each authorized key opens one repository (see
 * forcedCommand.sh); the admin key the local environment pushes with opens all of them.
 *
 * Started and stopped by pid, never by name. A failed start stops what it started; a server
 * started without outlivesParent dies with this process.
 */
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { isPortFree } from "../../control-plane/ports";
import { ExitedError, NotReadyError, waitFor, within } from "../../kube/waitFor";
import { GitOpsError } from "../errors";
import { freePort } from "../ports";
import { isSameProcess, startProcess, stopProcessTree, type StartedProcess } from "../processes";
import {
  authorizeKey,
  readKeyRegistry,
  revokeKey,
  writeKeys,
  type AuthorizedKey,
} from "./authorizedKeys";
import { assertPrerequisites, assertReadableByGitAccount, gitAccount } from "./gitAccount";
import { ensureKeyPair, knownHostsLine } from "./keyFiles";
import { gitServerLayout, type GitServerLayout } from "./layout";
import { createRepository, pushDirectory, type PushOptions } from "./repositories";
import { checkRepositoryName } from "./repositoryName";
import { sshdConfigText, GIT_ACCOUNT, LOOPBACK } from "./sshdConfig";
import { readServerState, writeServerState } from "./state";

export type { AuthorizedKey } from "./authorizedKeys";

const SSHD = "/usr/sbin/sshd";
/** sshd refuses to start without its privilege-separation directory (Debian's build). */
const PRIVSEP_DIR = "/run/sshd";
const READY_TIMEOUT_MS = 15_000;

export interface GitServerOptions {
  /** Keys, repositories and logs; kept between runs. Created if missing. */
  stateDir: string;
  /** Default: the port of the last run in stateDir if it is free, else a free one. */
  port?: number;
  /** For `up:local`: sshd keeps running after this process ends, until stopGitServer. */
  outlivesParent?: boolean;
}

export interface GitServer {
  readonly stateDir: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** `[127.0.0.1]:<port> ssh-ed25519 AAAA…`: what a client's known_hosts needs. */
  readonly knownHostsLine: string;
  /** `ssh://git@127.0.0.1:<port>/owner/repo.git` */
  sshUrl(repository: string): string;
  /** Creates an empty repository (branch main) unless it exists; true when created. */
  createRepository(repository: string): Promise<boolean>;
  /** GitHub's "Add deploy key": this key opens this repository, read-only unless write. */
  authorize(publicKey: string, repository: string, options?: { write?: boolean }): AuthorizedKey;
  /** Removes a key (its key line or its SHA256 fingerprint); false when it was not there. */
  revoke(key: string): boolean;
  authorizedKeys(): AuthorizedKey[];
  /** Makes dir's content the new head of the branch (default main); returns the commit SHA. */
  push(repository: string, dir: string, options?: PushOptions): Promise<string>;
  /** The sshd log (one line per login: key fingerprint, command), for failures. */
  readonly logPath: string;
  /** Stops sshd and everything it forked, and checks the port is free. Idempotent. */
  stop(): Promise<void>;
}

async function prepareStateDir(layout: GitServerLayout): Promise<{
  hostPublicKey: string;
  adminPublicKey: string;
}> {
  const account = await gitAccount();
  // sshd reads authorized_keys, and runs the forced command, as the git account.
  mkdirSync(layout.dir, { recursive: true });
  chmodSync(layout.dir, 0o755);
  const hostPublicKey = await ensureKeyPair(layout.hostKey, "k8s-flux local git server");
  const adminPublicKey = await ensureKeyPair(layout.adminKey, "k8s-flux local environment");

  mkdirSync(layout.repositories, { recursive: true });
  chownSync(layout.repositories, account.uid, account.gid);
  chmodSync(layout.repositories, 0o755);

  mkdirSync(dirname(layout.forcedCommand), { recursive: true, mode: 0o755 });
  copyFileSync(join(__dirname, "forcedCommand.sh"), layout.forcedCommand);
  chmodSync(layout.forcedCommand, 0o755);

  // Rewritten from the record on every start, so a changed layout or script path applies.
  writeKeys(layout, readKeyRegistry(layout), adminPublicKey);
  mkdirSync(layout.logDir, { recursive: true });
  mkdirSync(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  await assertReadableByGitAccount(account, [
    layout.authorizedKeys,
    layout.forcedCommand,
    layout.repositories,
  ]);
  return { hostPublicKey, adminPublicKey };
}

async function choosePort(layout: GitServerLayout, requested: number | undefined): Promise<number> {
  const recorded = readServerState(layout)?.port;
  const port = requested ?? recorded;
  if (port === undefined) return freePort();
  if (await isPortFree(port)) return port;
  if (requested === undefined) {
    throw new GitOpsError(
      `port ${port} on ${LOOPBACK}, where the git server in ${layout.dir} served before (its URLs and known_hosts line name it), is in use; free it (\`ss -ltnp 'sport = :${port}'\`) or start with another port`,
    );
  }
  throw new GitOpsError(`port ${port} on ${LOOPBACK} is already in use; choose another port`);
}

/** Resolves once sshd greets on the port with an SSH banner. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolveGreeting) => {
    const socket = connect({ host: LOOPBACK, port });
    let received = "";
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolveGreeting(ok);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (received.includes("\n")) finish(received.startsWith("SSH-2.0-"));
    });
  });
}

async function waitUntilServing(started: StartedProcess, port: number, log: string): Promise<void> {
  try {
    await waitFor(async () => (await greets(port)) || `did not answer on port ${port}`, {
      deadline: within(READY_TIMEOUT_MS),
      exited: started.exited,
      intervalMs: 100,
    });
  } catch (error) {
    if (!(error instanceof ExitedError) && !(error instanceof NotReadyError)) throw error;
    const what =
      error instanceof ExitedError
        ? `exited (${error.signal ?? `code ${error.code}`})`
        : error.message;
    const tail = readTail(log);
    throw new GitOpsError(`the git server's sshd ${what}${tail ? `; its log ends:\n${tail}` : ""}`);
  }
}

function readTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  await assertPrerequisites();
  const layout = gitServerLayout(resolve(options.stateDir));
  const recorded = readServerState(layout);
  if (recorded?.sshd && isSameProcess(recorded.sshd.pid, recorded.sshd.startTime)) {
    throw new GitOpsError(
      `a git server from ${layout.dir} already runs (pid ${recorded.sshd.pid}, port ${recorded.port}); connect to it or stop it first`,
    );
  }
  const { hostPublicKey, adminPublicKey } = await prepareStateDir(layout);
  const port = await choosePort(layout, options.port);
  writeFileSync(layout.sshdConfig, sshdConfigText(layout, port), { mode: 0o644 });
  const knownHosts = knownHostsLine(LOOPBACK, port, hostPublicKey);
  writeFileSync(layout.knownHosts, `${knownHosts}\n`, { mode: 0o644 });

  // -D: stay in the foreground, so the pid is sshd's; -e: log to stderr, which is the log file.
  const started = await startProcess({
    command: SSHD,
    args: ["-D", "-e", "-f", layout.sshdConfig],
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" },
    logPath: layout.sshdLog,
    outlivesParent: options.outlivesParent ?? false,
  });
  writeServerState(layout, {
    port,
    sshd: { pid: started.pid, startTime: started.startTime },
  });
  try {
    await waitUntilServing(started, port, layout.sshdLog);
  } catch (error) {
    await stopRecorded(layout).catch(() => undefined);
    throw error;
  }
  return serverHandle(layout, port, started.pid, knownHosts, adminPublicKey);
}

/** The git server already running from stateDir (started by another process, e.g. `up:local`). */
export async function connectGitServer(stateDir: string): Promise<GitServer> {
  const layout = gitServerLayout(resolve(stateDir));
  const state = readServerState(layout);
  if (!state?.sshd || !isSameProcess(state.sshd.pid, state.sshd.startTime)) {
    throw new GitOpsError(`no git server runs from ${layout.dir}; start it first`);
  }
  const adminPublicKey = readFileSync(`${layout.adminKey}.pub`, "utf8");
  const knownHosts = readFileSync(layout.knownHosts, "utf8").trim();
  return serverHandle(layout, state.port, state.sshd.pid, knownHosts, adminPublicKey);
}

/** Stops the git server recorded in stateDir, if it runs; true when one was stopped. */
export async function stopGitServer(stateDir: string): Promise<boolean> {
  return stopRecorded(gitServerLayout(resolve(stateDir)));
}

async function stopRecorded(layout: GitServerLayout): Promise<boolean> {
  const state = readServerState(layout);
  if (!state?.sshd) return false;
  const running = isSameProcess(state.sshd.pid, state.sshd.startTime);
  if (running) await stopProcessTree(state.sshd.pid);
  writeServerState(layout, { port: state.port });
  if (!(await isPortFree(state.port))) {
    throw new GitOpsError(
      `the git server was stopped but port ${state.port} on ${LOOPBACK} still has a listener; find it with \`ss -ltnp 'sport = :${state.port}'\``,
    );
  }
  return running;
}

function serverHandle(
  layout: GitServerLayout,
  port: number,
  pid: number,
  knownHosts: string,
  adminPublicKey: string,
): GitServer {
  const sshUrl = (repository: string): string =>
    `ssh://${GIT_ACCOUNT}@${LOOPBACK}:${port}/${checkRepositoryName(repository)}.git`;
  let stopping: Promise<void> | undefined;
  return {
    stateDir: layout.dir,
    host: LOOPBACK,
    port,
    pid,
    knownHostsLine: knownHosts,
    logPath: layout.sshdLog,
    sshUrl,
    createRepository: async (repository) =>
      createRepository(layout, await gitAccount(), repository),
    authorize: (publicKey, repository, options) =>
      authorizeKey(layout, adminPublicKey, publicKey, repository, options),
    revoke: (key) => revokeKey(layout, adminPublicKey, key),
    authorizedKeys: () => readKeyRegistry(layout),
    push: (repository, dir, options) =>
      pushDirectory(
        {
          url: sshUrl(repository),
          identityFile: layout.adminKey,
          knownHostsFile: layout.knownHosts,
        },
        dir,
        options,
      ),
    stop: () => {
      stopping ??= stopRecorded(layout).then(() => undefined);
      return stopping;
    },
  };
}
