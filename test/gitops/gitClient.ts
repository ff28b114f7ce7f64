/**
 * A git client acting with one deploy key, as Flux's source-controller or a person would: its own
 * private key, the server pinned by its known_hosts line, no agent and no user configuration.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand, runCommandOk, type CommandResult } from "../../tools/gitops/command";

export interface KeyPair {
  privateKeyPath: string;
  publicKey: string;
}

export async function newKeyPair(dir: string, name: string): Promise<KeyPair> {
  const path = join(dir, name);
  await runCommandOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]);
  return { privateKeyPath: path, publicKey: readFileSync(`${path}.pub`, "utf8").trim() };
}

export class GitClient {
  private readonly home: string;
  private readonly knownHostsPath: string;

  /** `scratchDir` holds the client's HOME and known_hosts; the caller removes it. */
  constructor(
    private readonly key: KeyPair,
    knownHostsLine: string,
    scratchDir: string,
  ) {
    this.home = mkdtempSync(join(scratchDir, "git-client-"));
    this.knownHostsPath = join(this.home, "known_hosts");
    writeFileSync(this.knownHostsPath, `${knownHostsLine}\n`);
  }

  get sshOptions(): string[] {
    return [
      "-F",
      "/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "IdentityAgent=none",
      "-o",
      `UserKnownHostsFile=${this.knownHostsPath}`,
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      "StrictHostKeyChecking=yes",
      "-i",
      this.key.privateKeyPath,
    ];
  }

  private get env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.home,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_SSH_COMMAND: ["ssh", ...this.sshOptions].join(" "),
      GIT_AUTHOR_NAME: "tenant",
      GIT_AUTHOR_EMAIL: "tenant@example.test",
      GIT_COMMITTER_NAME: "tenant",
      GIT_COMMITTER_EMAIL: "tenant@example.test",
    };
  }

  git(args: string[], cwd?: string): Promise<CommandResult> {
    return runCommand("git", args, { env: this.env, ...(cwd ? { cwd } : {}) });
  }

  /** Runs `ssh git@127.0.0.1 -p <port> <command>`: what a client can ask for besides git. */
  ssh(port: number, command?: string): Promise<CommandResult> {
    return runCommand(
      "ssh",
      [...this.sshOptions, "-p", String(port), "git@127.0.0.1", ...(command ? [command] : [])],
      { env: this.env },
    );
  }
}
