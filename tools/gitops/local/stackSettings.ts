/**
 * The stack settings that point a stack at the local git server: each repository's URL on it
 * (`ssh://git@127.0.0.1:<port>/<owner>/<repo>.git`) and its host key in `knownHosts`, the
 * program's path for every repository outside GitHub. Everything else in a setting is kept.
 */
import { join } from "node:path";
import { parseRepositoryUrl } from "../../../components/shared/repositoryUrl";
import { LOCAL_STACK } from "../../local/project";
import { settingKey } from "../../../stacks/quoting";
import { readYamlFile } from "../../problems";
import { REPO_ROOT } from "../../repoRoot";
import { GitOpsError } from "../errors";
import type { GitServer } from "../gitServer/server";

/** A Flux sync as a stack setting, its repository given as `owner/repo` on the git server. */
export type LocalSync = Record<string, unknown> & { readonly repository: string };
export type LocalApplication = LocalSync & { readonly name: string };

/** Which repository each sync reads: `system`, or an application's name. */
export interface SyncedRepository {
  readonly target: string;
  /** `owner/repo` on the git server. */
  readonly repository: string;
  /** The folder Flux applies, as the stack setting gives it (undefined: the repository root). */
  readonly path: string | undefined;
}

/** The repository's `owner/repo`, taken from any SSH URL's path. */
export function repositoryPathOf(url: string): string {
  const parsed = parseRepositoryUrl(url);
  if (!parsed.ok) throw new GitOpsError(parsed.reason);
  return new URL(parsed.location.sshUrl).pathname.replace(/^\/+/, "").replace(/\.git$/, "");
}

/** `k8s-flux:` settings to lay over a stack's own: systemFlux, applications and knownHosts. */
export function gitOpsStackSettings(
  server: Pick<GitServer, "host" | "knownHostsLine" | "sshUrl">,
  syncs: { readonly systemFlux: LocalSync; readonly applications: readonly LocalApplication[] },
): Record<string, unknown> {
  return {
    systemFlux: { ...syncs.systemFlux, repository: server.sshUrl(syncs.systemFlux.repository) },
    applications: syncs.applications.map((application) => ({
      ...application,
      repository: server.sshUrl(application.repository),
    })),
    // Keyed by the bare host; the line itself names the port, as ssh looks it up.
    knownHosts: { [server.host]: server.knownHostsLine },
  };
}

/** The repositories the syncs read, system first. */
export function syncedRepositories(syncs: {
  readonly systemFlux: LocalSync;
  readonly applications: readonly LocalApplication[];
}): SyncedRepository[] {
  const pathOf = (sync: LocalSync): string | undefined =>
    typeof sync["path"] === "string" ? sync["path"] : undefined;
  return [
    {
      target: "system",
      repository: syncs.systemFlux.repository,
      path: pathOf(syncs.systemFlux),
    },
    ...syncs.applications.map((application) => ({
      target: application.name,
      repository: application.repository,
      path: pathOf(application),
    })),
  ];
}

/**
 * The local stack's syncs (Pulumi.local.yaml), each repository moved to the git server under the
 * same `owner/repo`: `git@github.com:acme/k8s-flux.git` is served as `acme/k8s-flux`.
 */
export function localStackSyncs(): {
  systemFlux: LocalSync;
  applications: LocalApplication[];
} {
  const file = join(REPO_ROOT, `Pulumi.${LOCAL_STACK}.yaml`);
  const config = (readYamlFile(file) as { config?: Record<string, unknown> } | null)?.config;
  const systemFluxKey = settingKey(["systemFlux"]);
  const applicationsKey = settingKey(["applications"]);
  const systemFlux = config?.[systemFluxKey] as Record<string, unknown> | undefined;
  const applications = (config?.[applicationsKey] ?? []) as Record<string, unknown>[];
  if (typeof systemFlux?.["repository"] !== "string" || !Array.isArray(applications)) {
    throw new GitOpsError(
      `${file}: expected ${systemFluxKey} with a repository, and ${applicationsKey} as a list`,
    );
  }
  const moved = <T extends Record<string, unknown>>(sync: T, key: string): T & LocalSync => {
    const repository = sync["repository"];
    if (typeof repository !== "string") {
      throw new GitOpsError(`${file}: ${key}.repository is not a string`);
    }
    return { ...sync, repository: repositoryPathOf(repository) };
  };
  return {
    systemFlux: moved(systemFlux, systemFluxKey),
    applications: applications.map((application, index) => {
      const name = application["name"];
      if (typeof name !== "string") {
        const key = settingKey(["applications", index, "name"]);
        throw new GitOpsError(`${file}: ${key} is not a string`);
      }
      return { ...moved(application, settingKey(["applications", index])), name };
    }),
  };
}
