/**
 * Which key opens which repository. keys.json is the record; authorized_keys is written from it
 * on every change, one line per key that forces forcedCommand.sh with that key's one repository
 * and access. sshd reads authorized_keys at every login, so a change applies to the next
 * connection without a restart.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { GitOpsError } from "../errors";
import { repositoryDir, type GitServerLayout } from "./layout";
import { keyText, parsePublicKey } from "./publicKey";
import { checkRepositoryName } from "./repositoryName";

export interface AuthorizedKey {
  /** `<type> <base64>`, without a comment. */
  publicKey: string;
  /** `SHA256:…`, as GitHub lists deploy keys. */
  fingerprint: string;
  repository: string;
  /** GitHub's "Allow write access". */
  write: boolean;
}

export function readKeyRegistry(layout: GitServerLayout): AuthorizedKey[] {
  if (!existsSync(layout.keyRegistry)) return [];
  const parsed = JSON.parse(readFileSync(layout.keyRegistry, "utf8")) as { keys?: unknown };
  if (!Array.isArray(parsed.keys)) {
    throw new GitOpsError(`${layout.keyRegistry} is not the git server's key list`);
  }
  return parsed.keys as AuthorizedKey[];
}

/** One authorized_keys line. `restrict` turns off forwarding, ptys and ~/.ssh/rc for the key. */
export function authorizedKeysLine(
  layout: GitServerLayout,
  publicKey: string,
  access: { repository: string; write: boolean } | "admin",
): string {
  const args =
    access === "admin"
      ? "admin"
      : `${access.write ? "write" : "read"} ${checkRepositoryName(access.repository)}`;
  const key = keyText(parsePublicKey(publicKey));
  return `command="/bin/sh ${layout.forcedCommand} ${layout.repositories} ${args}",restrict ${key}`;
}

function writeAtomically(path: string, text: string, mode: number): void {
  writeFileSync(`${path}.tmp`, text, { mode });
  renameSync(`${path}.tmp`, path);
}

/**
 * Records the keys and rewrites authorized_keys from them, with the admin key first. The files
 * are world-readable: sshd reads authorized_keys as the git account, and they hold public keys.
 */
export function writeKeys(
  layout: GitServerLayout,
  keys: readonly AuthorizedKey[],
  adminPublicKey: string,
): void {
  writeAtomically(layout.keyRegistry, `${JSON.stringify({ keys }, null, 2)}\n`, 0o644);
  const lines = [
    authorizedKeysLine(layout, adminPublicKey, "admin"),
    ...keys.map((key) => authorizedKeysLine(layout, key.publicKey, key)),
  ];
  writeAtomically(layout.authorizedKeys, `${lines.join("\n")}\n`, 0o644);
}

/**
 * Adds a deploy key for one repository, as GitHub's "Add deploy key" does: the repository must
 * exist, and a key opens one repository only, so a key already in use is refused.
 */
export function authorizeKey(
  layout: GitServerLayout,
  adminPublicKey: string,
  publicKey: string,
  repository: string,
  options: { write?: boolean } = {},
): AuthorizedKey {
  const key = parsePublicKey(publicKey);
  checkRepositoryName(repository);
  if (!existsSync(repositoryDir(layout, repository))) {
    throw new GitOpsError(
      `repository ${repository} does not exist on the git server; create it first`,
    );
  }
  const keys = readKeyRegistry(layout);
  const inUse = keys.find((existing) => existing.fingerprint === key.fingerprint);
  if (inUse || parsePublicKey(adminPublicKey).fingerprint === key.fingerprint) {
    throw new GitOpsError(
      `key ${key.fingerprint} is already in use${inUse ? ` (for ${inUse.repository})` : " (the server's admin key)"}; a deploy key opens one repository only, as on GitHub`,
    );
  }
  const added: AuthorizedKey = {
    publicKey: keyText(key),
    fingerprint: key.fingerprint,
    repository,
    write: options.write ?? false,
  };
  writeKeys(layout, [...keys, added], adminPublicKey);
  return added;
}

/** Removes a key (given as its key line or its fingerprint); false when it was not authorized. */
export function revokeKey(layout: GitServerLayout, adminPublicKey: string, key: string): boolean {
  const fingerprint = key.startsWith("SHA256:") ? key : parsePublicKey(key).fingerprint;
  const keys = readKeyRegistry(layout);
  const kept = keys.filter((existing) => existing.fingerprint !== fingerprint);
  if (kept.length === keys.length) return false;
  writeKeys(layout, kept, adminPublicKey);
  return true;
}
