import { createHmac } from "node:crypto";
import type { GitRepositoryLocation } from "./gitSource";
import { GITHUB_HTTPS_PORT_HOST } from "./repositoryUrl";

/**
 * github.com's SSH host keys as GitHub publishes them (checked 2026-11-24 against GitHub's
 * "SSH key fingerprints" page and its meta API). Pinned so that no apply ever scans a host key
 * over the network, which fails behind egress firewalls and trusts whatever answers.
 */
export const GITHUB_KNOWN_HOSTS = [
  "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
  "github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
].join("\n");

/**
 * The same keys at GitHub's SSH-over-HTTPS address: ssh looks a host key up by `[host]:port`
 * off port 22, and GitHub serves ssh.github.com:443 with github.com's keys (GitHub docs, "Using
 * SSH over the HTTPS port", which shows the ED25519 fingerprint of github.com for it).
 */
export const GITHUB_HTTPS_PORT_KNOWN_HOSTS = GITHUB_KNOWN_HOSTS.split("\n")
  .map((line) =>
    line.replace(
      /^github\.com /,
      `[${GITHUB_HTTPS_PORT_HOST.host}]:${GITHUB_HTTPS_PORT_HOST.port} `,
    ),
  )
  .join("\n");

/** The RSA host key GitHub revoked in March 2023 after it was exposed; never trust it again. */
export const REVOKED_GITHUB_RSA_KEY_PREFIX = "AAAAB3NzaC1yc2EAAAABIwAAAQEAq2A7hR";

/** Built-in known_hosts entries, by host. Stack config may add hosts or replace these. */
export const DEFAULT_KNOWN_HOSTS: Readonly<Record<string, string>> = {
  "github.com": GITHUB_KNOWN_HOSTS,
  [GITHUB_HTTPS_PORT_HOST.host]: GITHUB_HTTPS_PORT_KNOWN_HOSTS,
};

/** The built-in known_hosts for a repository's host, when they hold a key for its port too. */
export function builtInKnownHostsFor(location: GitRepositoryLocation): string | undefined {
  const text = Object.hasOwn(DEFAULT_KNOWN_HOSTS, location.host)
    ? DEFAULT_KNOWN_HOSTS[location.host]
    : undefined;
  return text !== undefined && knownHostsCover(text, location) ? text : undefined;
}

/**
 * The host field ssh (and Flux) looks a repository's host key up by: the bare host on port 22,
 * `[host]:port` on any other port.
 */
export function knownHostsLookupName(location: GitRepositoryLocation): string {
  return location.port === undefined ? location.host : `[${location.host}]:${location.port}`;
}

/** `*` and `?` wildcards of a known_hosts host pattern, as a case-insensitive regex. */
const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("")}$`,
    "i",
  );

/** Whether one pattern of a host field (`host`, `[host]:port`, with wildcards) names the address. */
function patternMatches(pattern: string, host: string, port: number): boolean {
  const bracketed = /^\[(?<h>[^\]]+)\]:(?<p>[0-9]+)$/.exec(pattern);
  const patternHost = bracketed?.groups?.["h"] ?? pattern;
  const patternPort = bracketed?.groups?.["p"] === undefined ? 22 : Number(bracketed.groups["p"]);
  return patternPort === port && wildcard(patternHost).test(host);
}

/**
 * Whether a known_hosts host field makes its key apply to the address: a hashed entry
 * (`|1|salt|hash`) hashes the lookup name; otherwise a comma-separated list of patterns, any
 * of which may match unless a negated (`!`) one does.
 */
function hostFieldMatches(field: string, location: GitRepositoryLocation): boolean {
  const lookup = knownHostsLookupName(location);
  const port = location.port ?? 22;
  const hashed = /^\|1\|(?<salt>[^|]+)\|(?<hash>[^|]+)$/.exec(field);
  if (hashed?.groups) {
    const { salt = "", hash = "" } = hashed.groups;
    return createHmac("sha1", Buffer.from(salt, "base64")).update(lookup).digest("base64") === hash;
  }
  const patterns = field.split(",");
  const negated = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  return (
    !negated.some((p) => patternMatches(p, location.host, port)) &&
    patterns.some((p) => !p.startsWith("!") && patternMatches(p, location.host, port))
  );
}

/** Whether some host key line (not a revoked one) in the text applies to the repository's host. */
export function knownHostsCover(text: string, location: GitRepositoryLocation): boolean {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("@revoked "))
    .some((line) => {
      const field = line.replace(/^@cert-authority\s+/, "").split(/\s+/)[0] ?? "";
      return hostFieldMatches(field, location);
    });
}
