/** Fresh OpenSSH public keys for tests, made with node:crypto (no ssh-keygen needed). */
import { generateKeyPairSync } from "node:crypto";

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** `ssh-ed25519 <base64> <comment>`: the wire format is the type name, then the 32-byte key. */
export function newEd25519PublicKey(comment = "test"): string {
  const { publicKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const blob = Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}
