import type { GitRepositoryLocation } from "../components";
import type { LastDeployment } from "./lastDeployment";
import { STACK_OUTPUTS } from "./names";
import { settingKey } from "./quoting";
import type { ClusterSettings } from "./settings";

/** The deploy keys one repository's Flux has: the one it uses, and a next one, not yet used. */
export interface KeyGenerations {
  readonly inUse: number;
  readonly staged?: number;
}

/** Deploy key generations by user: what the `deployKeyGenerations` output records. */
export interface DeployKeyGenerations {
  readonly systemFlux: KeyGenerations;
  readonly applications: Readonly<Record<string, KeyGenerations>>;
}

/** Deploy key generations for this update, by user; a Map, so no name reads a prototype's. */
export interface DeployKeyPlan {
  readonly systemFlux: KeyGenerations;
  readonly applications: ReadonlyMap<string, KeyGenerations>;
  /** What a person must do about the keys, one warning each. */
  readonly warnings: readonly string[];
}

/** One repository's deploy key as the config asks for it. */
export interface DeployKeyRequest {
  /** The setting that asks, as `pulumi config set --path` reads it. */
  readonly setting: string;
  /** Whose key it is, for messages: "the system Flux", "application shop". */
  readonly user: string;
  /** The repository as configured. */
  readonly repository: string;
  readonly generation: number;
  /** Whether a person adds the key to the repository, rather than this program. */
  readonly addedByHand: boolean;
}

/**
 * The GitHub repository a deploy key is registered on by this program, or undefined when a
 * person adds it: the repository is elsewhere, or registering is switched off.
 */
export function repositoryToRegister(
  location: GitRepositoryLocation,
  registerDeployKeys: boolean,
): GitRepositoryLocation["github"] {
  return registerDeployKeys ? location.github : undefined;
}

/**
 * Which keys one repository's Flux has after this update. A key registered by this program is
 * used in the update that makes it, since the registration comes first. A key added by hand is
 * staged first: made and listed, while Flux keeps the key it has, and used by the next update
 * that still asks for it. Without a record of the last update (a new repository, or a stack
 * last deployed before records were kept) the key asked for is used at once, as it always was.
 */
export function planDeployKey(
  request: DeployKeyRequest,
  last: KeyGenerations | undefined,
): { readonly generations: KeyGenerations; readonly warnings: readonly string[] } {
  const { generation, repository } = request;
  const generations: KeyGenerations =
    !request.addedByHand || last === undefined || last.inUse === generation
      ? { inUse: generation }
      : last.staged === generation
        ? { inUse: generation }
        : { inUse: last.inUse, staged: generation };

  const warnings: string[] = [];
  if (generations.staged !== undefined) {
    warnings.push(
      `Deploy key ${generation} of ${request.user} is staged (${request.setting}); Flux keeps using key ${generations.inUse}. From the ${STACK_OUTPUTS.deployKeysToAddByHand} output, add key ${generation} to ${repository}, then run pulumi up again to switch Flux to it.`,
    );
  }
  if (last !== undefined && generations.inUse !== last.inUse && last.staged === generation) {
    warnings.push(
      `Deploy key ${generation} of ${request.user} is now in use (${request.setting}): Flux switches to it in this update, which deletes key ${last.inUse}; remove key ${last.inUse} from ${repository}.`,
    );
  }
  const dropped = last?.staged;
  if (dropped !== undefined && dropped !== generations.inUse && dropped !== generations.staged) {
    warnings.push(
      `${request.setting} no longer asks for staged deploy key ${dropped} of ${request.user}, which this update deletes: remove key ${dropped} from ${repository} if you added it.`,
    );
  }
  return { generations, warnings };
}

/** Every repository's deploy keys for this update, from the config and the last update's record. */
export function planDeployKeys(
  settings: Pick<ClusterSettings, "systemFlux" | "applications" | "registerDeployKeys">,
  last: LastDeployment,
): DeployKeyPlan {
  const record = last.deployKeyGenerations;
  const addedByHand = (location: GitRepositoryLocation) =>
    repositoryToRegister(location, settings.registerDeployKeys) === undefined;

  const system = planDeployKey(
    {
      setting: settingKey(["systemFlux", "keyGeneration"]),
      user: "the system Flux",
      repository: settings.systemFlux.repository.original,
      generation: settings.systemFlux.keyGeneration,
      addedByHand: addedByHand(settings.systemFlux.repository),
    },
    record?.systemFlux,
  );
  const applications = settings.applications.map((application, index) => ({
    name: application.name,
    ...planDeployKey(
      {
        setting: settingKey(["applications", index, "keyGeneration"]),
        user: `application ${application.name}`,
        repository: application.repository.original,
        generation: application.keyGeneration,
        addedByHand: addedByHand(application.repository),
      },
      record?.applications.get(application.name),
    ),
  }));

  return {
    systemFlux: system.generations,
    applications: new Map(applications.map((app) => [app.name, app.generations])),
    warnings: [...system.warnings, ...applications.flatMap((app) => app.warnings)],
  };
}
