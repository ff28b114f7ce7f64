/**
 * The server's two key pairs, made once per state directory with ssh-keygen and kept: the host key
 * (clients pin it through known_hosts, so a new one would break every stack that trusts the old)
 * and the admin key the local environment pushes with.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { runCommandOk } from "../command";
import { keyText, parsePublicKey } from "./publicKey";

/** Creates `<path>` and `<path>.pub` unless they exist; returns the public key line. */
export async function ensureKeyPair(path: string, comment: string): Promise<string> {
  if (!existsSync(path) || !existsSync(`${path}.pub`)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // -N "": no passphrase; sshd and unattended pushes could not type one.
    await runCommandOk("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], {
      input: "y\n",
    });
  }
  return keyText(parsePublicKey(readFileSync(`${path}.pub`, "utf8")));
}

/** A known_hosts line for a server on a non-standard port: `[127.0.0.1]:2222 ssh-ed25519 AAAA…`. */
export function knownHostsLine(host: string, port: number, hostPublicKey: string): string {
  return `[${host}]:${port} ${keyText(parsePublicKey(hostPublicKey))}`;
}
