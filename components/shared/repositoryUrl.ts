import type { GitRepositoryLocation } from "./gitSource";
import { repositoryAddressProblem } from "./repositoryAddress";
import { quoted } from "./quotedText";

const GITHUB_HOST = "github.com";
/**
 * GitHub's SSH over the HTTPS port, for networks that block port 22: the same service and host
 * keys as github.com, at another name (GitHub docs, "Using SSH over the HTTPS port").
 */
export const GITHUB_HTTPS_PORT_HOST = { host: "ssh.github.com", port: 443 } as const;
/**
 * For a repository on ssh.github.com at a port other than 443, which is not taken for GitHub:
 * a hint that GitHub's address there is port 443, whose host keys are built in. Empty otherwise.
 */
export function gitHubHttpsPortHint(location: { host: string; port?: number }): string {
  if (location.host !== GITHUB_HTTPS_PORT_HOST.host) return "";
  if (location.port === GITHUB_HTTPS_PORT_HOST.port) return "";
  return `; GitHub's SSH over the HTTPS port is ssh.github.com port ${GITHUB_HTTPS_PORT_HOST.port}, such as ssh://git@ssh.github.com:443/owner/repo.git, whose host keys are built in and whose deploy keys are registered on GitHub`;
}
/**
 * `user@host:path`. Flux takes ssh:// URLs only, whose path is read from the root, so
 * `git@host:path` and `git@host:/path` both become `ssh://git@host/path`. A relative path is
 * thus read from `/`, as forges such as GitHub and GitLab read it; git would read it from the
 * user's home directory, which on a plain Git server differs, so there the absolute path must be
 * given (`git@git.example.org:/srv/git/app.git`).
 */
const SCP_LIKE = /^(?<user>[A-Za-z0-9._-]+)@(?<host>[A-Za-z0-9.-]+):\/?(?<path>.+)$/;
const SSH_URL =
  /^ssh:\/\/(?:(?<user>[A-Za-z0-9._-]+)@)?(?<host>[A-Za-z0-9.-]+)(?::(?<port>[0-9]{1,5}))?\/(?<path>.+)$/;
/** GitHub account (user and organization) names: at most 39 characters. */
// Looser than GitHub's sign-up rule (single inner hyphens): older accounts keep names that
// rule would now refuse, and refusing a real owner would leave its stack with no way forward.
const GITHUB_OWNER = /^(?=.{1,39}$)[A-Za-z0-9][A-Za-z0-9-]*$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const GITHUB_FORM =
  "expected git@github.com:<owner>/<repo>.git, such as git@github.com:acme/k8s-flux.git";

export type ParsedRepositoryUrl =
  | { readonly ok: true; readonly location: GitRepositoryLocation }
  | { readonly ok: false; readonly reason: string };

/** The two accepted spellings, for messages. */
export const SSH_URL_EXAMPLES =
  "git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git";
const EXPECTED_FORMS = `expected an SSH URL such as ${SSH_URL_EXAMPLES}`;

/**
 * Accepts the two SSH spellings people paste (`git@host:owner/repo.git` and
 * `ssh://git@host[:port]/owner/repo.git`) and returns the `ssh://` form Flux requires, for a
 * repository Flux may be pointed at (see repositoryAddressProblem).
 */
export function parseRepositoryUrl(url: string): ParsedRepositoryUrl {
  const parsed = parseSshUrl(url);
  if (!parsed.ok) return parsed;
  const problem = repositoryAddressProblem(url, parsed.location);
  return problem === undefined ? parsed : { ok: false, reason: problem };
}

/**
 * The URL's parts in the form Flux requires, with GitHub's naming rules on github.com and on
 * ssh.github.com port 443, which are both GitHub.
 */
function parseSshUrl(url: string): ParsedRepositoryUrl {
  const trimmed = url.trim();
  const match = SSH_URL.exec(trimmed) ?? (trimmed.includes("://") ? null : SCP_LIKE.exec(trimmed));
  if (!match?.groups) {
    return { ok: false, reason: `${quoted(url)} is not an SSH URL; ${EXPECTED_FORMS}` };
  }
  const { user = "git", host: rawHost = "", port: rawPort, path: rawPath = "" } = match.groups;
  const host = rawHost.toLowerCase();
  const port = rawPort === undefined ? undefined : Number(rawPort);
  if (port !== undefined && (port < 1 || port > 65535)) {
    return {
      ok: false,
      reason: `${quoted(url)} has port ${rawPort}; expected a port from 1 to 65535`,
    };
  }
  const path = rawPath.replace(/\/+$/, "");
  if (path === "" || path.split("/").some((segment) => segment === "" || segment === "..")) {
    return {
      ok: false,
      reason: `${quoted(url)} has no usable repository path; ${EXPECTED_FORMS}`,
    };
  }
  // C git has the server expand a leading ~ (`git-upload-pack '~/x'`); Flux's go-git asks for
  // `/~/x`, which no server expands (go-git issue #430), so the repository would not be found.
  if (path.startsWith("~")) {
    return {
      ok: false,
      reason: `${quoted(url)} has a path that starts with "~", which is not expanded by Flux; expected the absolute path on the server, such as git@git.example.org:/srv/git/app.git`,
    };
  }
  const hostAndPort = port === undefined || port === 22 ? host : `${host}:${port}`;
  const sshUrl = `ssh://${user}@${hostAndPort}/${path}`;
  const base = { original: url, sshUrl, host, ...(port && port !== 22 ? { port } : {}) };

  const onGitHub =
    host === GITHUB_HOST ||
    (host === GITHUB_HTTPS_PORT_HOST.host && port === GITHUB_HTTPS_PORT_HOST.port);
  if (!onGitHub) {
    return { ok: true, location: base };
  }
  const segments = path.split("/");
  const owner = segments[0] ?? "";
  // GitHub removes a trailing ".git" from every repository name, in any case, so "x.GIT" is x.
  const name = (segments[1] ?? "").replace(/\.git$/i, "");
  const problem = gitHubPathProblem(segments, owner, name);
  if (problem !== undefined) {
    return { ok: false, reason: `${quoted(url)} ${problem}` };
  }
  if (user !== "git") {
    return {
      ok: false,
      reason: `${quoted(url)} uses SSH user ${quoted(user)}; GitHub only accepts "git"`,
    };
  }
  return {
    ok: true,
    location: {
      ...base,
      sshUrl: `ssh://git@${hostAndPort}/${owner}/${name}.git`,
      github: { owner, name },
    },
  };
}

/** Why a github.com path cannot name a repository, or undefined when it can. */
function gitHubPathProblem(
  segments: readonly string[],
  owner: string,
  name: string,
): string | undefined {
  if (segments.length !== 2) {
    return `has path ${quoted(segments.join("/"))}, but GitHub repository paths are exactly <owner>/<repo>; ${GITHUB_FORM}`;
  }
  if (!GITHUB_OWNER.test(owner)) {
    return `has owner ${quoted(owner)}, which is not a GitHub account name; expected up to 39 letters, digits and hyphens, starting with a letter or digit, such as acme-corp`;
  }
  if (name === "") {
    return `has an empty repository name; ${GITHUB_FORM}`;
  }
  if (!GITHUB_REPOSITORY.test(name) || name === "." || name === "..") {
    return `has repository name ${quoted(name)}, which is not a GitHub repository name; expected letters, digits, ".", "_" and "-", such as k8s-flux`;
  }
  return undefined;
}
