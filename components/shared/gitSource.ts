import { quoted } from "./quotedText";
import { parseRepositoryUrl } from "./repositoryUrl";

/** Where a Git repository lives, parsed once from the SSH URL the user wrote. */
export interface GitRepositoryLocation {
  /** The URL exactly as written, for messages. */
  readonly original: string;
  /** The form Flux accepts: `ssh://<user>@<host>[:<port>]/<path>`. */
  readonly sshUrl: string;
  /** Lower-cased host name, without the port; the key into the known_hosts table. */
  readonly host: string;
  /** Set only when the port is not 22. */
  readonly port?: number;
  /** Owner and name when the repository is on github.com, where deploy keys are registered. */
  readonly github?: { readonly owner: string; readonly name: string };
}

/**
 * A repository as components take it: an SSH URL in either spelling people paste
 * (`git@github.com:acme/app.git`, `ssh://git@git.example.org:2222/team/app.git`), or a location
 * parsed already by parseRepositoryUrl.
 */
export type GitRepository = string | GitRepositoryLocation;

/** What a Flux sync reads, as components take it: only the repository is required. */
export interface GitSourceArgs {
  readonly repository: GitRepository;
  /** The branch to follow, without `refs/heads/`. Defaults to `main`. */
  readonly branch?: string;
  /** A folder in the repository, such as `./clusters/prod`. Defaults to `./`, its root. */
  readonly path?: string;
  /** How often Flux looks for changes, in Flux's units ms, s, m and h. Defaults to `1m`. */
  readonly interval?: string;
}

/** A Git source with its URL parsed and every default applied. */
export interface GitSource {
  readonly repository: GitRepositoryLocation;
  readonly branch: string;
  /** Relative to the repository root; the config layer always writes it as `./<path>`. */
  readonly path: string;
  /** A duration in Flux's units ms, s, m and h (`1m`, `90s`, `1h30m`). */
  readonly interval: string;
}

/** What a Git source follows when its arguments leave it open. */
export const gitSourceDefaults = {
  branch: "main",
  path: "./",
  interval: "1m",
} as const satisfies Omit<GitSource, "repository">;

/**
 * A repository's location, parsing a URL; or why it is unusable. A location given parsed is held
 * to the same rules as a URL, since a caller may have built it by hand.
 */
export function repositoryLocation(
  repository: GitRepository,
): { readonly location: GitRepositoryLocation } | { readonly problem: string } {
  if (typeof repository !== "string") {
    // What Flux fetches is the sshUrl, and what its host key is looked up by is host and port.
    const reparsed = parseRepositoryUrl(repository.sshUrl);
    if (!reparsed.ok) return { problem: reparsed.reason };
    const { host, port } = reparsed.location;
    if (host !== repository.host || port !== repository.port) {
      return {
        problem: `has host ${quoted(repository.host)} and port ${repository.port ?? 22}, but its sshUrl ${quoted(repository.sshUrl)} names host ${quoted(host)} and port ${port ?? 22}; expected a location as parseRepositoryUrl returns it`,
      };
    }
    return { location: repository };
  }
  const parsed = parseRepositoryUrl(repository);
  return parsed.ok ? { location: parsed.location } : { problem: parsed.reason };
}

/** A Git source with its URL parsed and defaults applied; or why its repository is unusable. */
export function resolveGitSource(
  source: GitSourceArgs,
): { readonly source: GitSource } | { readonly problem: string } {
  const resolved = repositoryLocation(source.repository);
  if ("problem" in resolved) return resolved;
  return {
    source: {
      repository: resolved.location,
      branch: source.branch ?? gitSourceDefaults.branch,
      path: source.path ?? gitSourceDefaults.path,
      interval: source.interval ?? gitSourceDefaults.interval,
    },
  };
}
