/**
 * Adding the stack's deploy keys to the local git server as a person adds them on GitHub: from
 * the stack output `deployKeysToAddByHand`, each key on the one repository it names, with write
 * access only where the entry asks for it.
 */
import { parsePublicKey } from "../gitServer/publicKey";
import type { GitServer } from "../gitServer/server";
import { GitOpsError } from "../errors";

/** One entry of the stack output `deployKeysToAddByHand`. */
export interface DeployKeyToAdd {
  readonly repository: string;
  readonly publicKey: string;
  /** Which key of the repository this is; stacks from before staging leave it out. */
  readonly generation?: number;
  /** False for a staged key, which Flux uses only after the next `pulumi up`. */
  readonly inUse?: boolean;
  /** GitHub's "Allow write access"; stacks from before this field leave it out (read-only). */
  readonly writeAccess?: boolean;
}

export interface KeyAuthorization {
  /** `owner/repo` on the git server. */
  readonly repository: string;
  readonly fingerprint: string;
  readonly outcome: "added" | "already there";
}

/** `deployKeysToAddByHand` from `pulumi stack output --json`, checked entry by entry. */
export function deployKeysToAdd(outputs: unknown): DeployKeyToAdd[] {
  const list = (outputs as { deployKeysToAddByHand?: unknown } | null)?.deployKeysToAddByHand;
  if (!Array.isArray(list)) {
    throw new GitOpsError(
      "the stack has no deployKeysToAddByHand output; run `pulumi up` on a stack with registerDeployKeys false first",
    );
  }
  return list.map((entry: unknown, index) => {
    const { repository, publicKey, generation, inUse, writeAccess } = (entry ?? {}) as Record<
      string,
      unknown
    >;
    if (typeof repository !== "string" || typeof publicKey !== "string") {
      throw new GitOpsError(
        `deployKeysToAddByHand[${index}] is not { repository, publicKey } with two strings`,
      );
    }
    return {
      repository,
      publicKey,
      ...(typeof generation === "number" ? { generation } : {}),
      ...(typeof inUse === "boolean" ? { inUse } : {}),
      ...(typeof writeAccess === "boolean" ? { writeAccess } : {}),
    };
  });
}

/**
 * The `owner/repo` a repository URL names on this server; an error for a URL of another host or
 * port, whose key a person would add elsewhere.
 */
export function repositoryOnServer(server: Pick<GitServer, "host" | "port">, url: string): string {
  const match = /^ssh:\/\/git@(?<host>[^/:]+):(?<port>\d+)\/(?<path>.+?)(?:\.git)?$/.exec(url);
  const { host, port, path } = match?.groups ?? {};
  if (host !== server.host || Number(port) !== server.port || path === undefined) {
    throw new GitOpsError(
      `${url} is not a repository of the local git server (ssh://git@${server.host}:${server.port}/<owner>/<repo>.git)`,
    );
  }
  return path;
}

/**
 * Adds each key to its repository, read-only unless the entry asks for write access. A key
 * already added to the same repository is left as it is, so this can run after every
 * `pulumi up`; the server refuses a key that opens another repository, as GitHub does.
 */
export function authorizeDeployKeys(
  server: Pick<GitServer, "host" | "port" | "authorize" | "authorizedKeys">,
  keys: readonly DeployKeyToAdd[],
): KeyAuthorization[] {
  return keys.map((key) => {
    const repository = repositoryOnServer(server, key.repository);
    const { fingerprint } = parsePublicKey(key.publicKey);
    const existing = server.authorizedKeys().find((known) => known.fingerprint === fingerprint);
    if (existing?.repository === repository) {
      return { repository, fingerprint, outcome: "already there" };
    }
    server.authorize(key.publicKey, repository, { write: key.writeAccess ?? false });
    return { repository, fingerprint, outcome: "added" };
  });
}
