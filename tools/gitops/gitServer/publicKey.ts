/**
 * OpenSSH public keys as a deploy key is given: `<type> <base64> [comment]`. The key must decode
 * as the type it declares, as GitHub checks when a key is added.
 */
import { createHash } from "node:crypto";
import { GitOpsError } from "../errors";

export const KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface PublicKey {
  type: KeyType;
  /** The key blob, base64 as in the key line. */
  base64: string;
  /** `SHA256:…`, as `ssh-keygen -lf` and GitHub show it. */
  fingerprint: string;
}

const isKeyType = (text: string): text is KeyType =>
  (KEY_TYPES as readonly string[]).includes(text);

/** The first string of the SSH wire format (uint32 length, then bytes): the key's own type. */
function embeddedType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length > blob.length - 4) return undefined;
  return blob.subarray(4, 4 + length).toString("latin1");
}

export function parsePublicKey(line: string): PublicKey {
  const fields = line.trim().split(/\s+/);
  const [type, base64] = fields;
  const shown = line.trim().slice(0, 40);
  if (type === undefined || base64 === undefined || !isKeyType(type)) {
    throw new GitOpsError(
      `"${shown}…" is not an OpenSSH public key: expected "<type> <base64> [comment]" with a type of ${KEY_TYPES.join(", ")}`,
    );
  }
  const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, "base64") : undefined;
  if (blob === undefined || blob.toString("base64") !== base64 || embeddedType(blob) !== type) {
    throw new GitOpsError(`"${shown}…" does not decode as an ${type} key`);
  }
  const digest = createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
  return { type, base64, fingerprint: `SHA256:${digest}` };
}

/** The key as one `<type> <base64>` line, without its comment. */
export const keyText = (key: PublicKey): string => `${key.type} ${key.base64}`;
