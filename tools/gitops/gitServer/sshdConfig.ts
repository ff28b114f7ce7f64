/**
 * The sshd_config of the local git server: its own port on loopback, its own host key, keys only,
 * one account, and nothing but the forced command per key. Debian's system-wide sshd_config is
 * never read (sshd gets `-f` with this file).
 */
import type { GitServerLayout } from "./layout";

export const GIT_ACCOUNT = "git";
export const LOOPBACK = "127.0.0.1";

export function sshdConfigText(layout: GitServerLayout, port: number): string {
  const settings: [string, string][] = [
    ["ListenAddress", `${LOOPBACK}:${port}`],
    ["HostKey", layout.hostKey],
    ["PidFile", layout.sshdPidFile],
    // Clients log in as git@, as on GitHub; no other account, root included.
    ["AllowUsers", GIT_ACCOUNT],
    ["PermitRootLogin", "no"],
    ["AuthenticationMethods", "publickey"],
    ["PubkeyAuthentication", "yes"],
    ["PasswordAuthentication", "no"],
    ["KbdInteractiveAuthentication", "no"],
    ["AuthorizedKeysFile", layout.authorizedKeys],
    // No PAM: it would want a login session the git account has no use for. Then sshd refuses a
    // locked account, so installPrerequisites.sh gives git the password field "*".
    ["UsePAM", "no"],
    // The state directory belongs to root and may sit in a checkout with group-writable parents;
    // what sshd reads there is written by our code only.
    ["StrictModes", "no"],
    // Every authorized_keys line carries `restrict`; these hold even for a line that did not.
    ["DisableForwarding", "yes"],
    ["PermitTTY", "no"],
    ["PermitUserEnvironment", "no"],
    ["PermitUserRC", "no"],
    ["PrintMotd", "no"],
    ["PrintLastLog", "no"],
    ["UseDNS", "no"],
    // Logs which key logged in (its fingerprint) and what it ran: the record of who fetched what.
    ["LogLevel", "VERBOSE"],
    // Flux controllers and tests open many short connections at once.
    ["MaxStartups", "100"],
  ];
  return `${settings.map(([key, value]) => `${key} ${value}`).join("\n")}\n`;
}
