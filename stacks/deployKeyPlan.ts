import { type GitRepositoryLocation, repositoryToRegister } from "../components";
import type { LastDeployment } from "./lastDeployment";
import { STACK_OUTPUTS } from "./names";
import { settingKey } from "./quoting";
import type { ClusterSettings } from "./settings";

/** The deploy keys one repository's Flux has: the one it uses, and a next one, not yet used. */
export interface KeyGenerations {
  readonly inUse: number;
  readonly staged?: number;
}

/**
 * What the `deployKeyGenerations` output records of one repository's keys: the generations, and
 * whether this program registered them on GitHub (absent in records older than that field).
 */
export interface DeployKeyRecord extends KeyGenerations {
  readonly registeredOnGitHub?: boolean;
}

/** Deploy key records by user: the `deployKeyGenerations` output. */
export interface DeployKeyGenerations {
  readonly systemFlux: DeployKeyRecord;
  readonly applications: Readonly<Record<string, DeployKeyRecord>>;
}

/** Deploy key generations for this update, by user; a Map, so no name reads a prototype's. */
export interface DeployKeyPlan {
  readonly systemFlux: KeyGenerations;
  readonly applications: ReadonlyMap<string, KeyGenerations>;
  /** What a person must do about the keys, one warning each. */
  readonly warnings: readonly string[];
  /** Settings refused, each naming its key: nothing may be registered. */
  readonly problems: readonly string[];
}

/** One repository's deploy keys as the config asks for them. */
export interface DeployKeyRequest {
  /** The `keyGeneration` setting, as `pulumi config set --path` reads it. */
  readonly setting: string;
  /** The `nextKeyGeneration` setting beside it. */
  readonly nextSetting: string;
  /** Whose key it is, for messages: "the system Flux", "application shop". */
  readonly user: string;
  /** The repository as configured. */
  readonly repository: string;
  /** The key Flux uses. */
  readonly generation: number;
  /** The key to make beside it, not yet used; the same number as `generation` stages nothing. */
  readonly next: number | undefined;
  /** Whether a person adds the keys to the repository, rather than this program. */
  readonly addedByHand: boolean;
  /** Whether the last update deployed this repository's Flux (and so had a key in use). */
  readonly deployedBefore: boolean;
}

/**
 * Which keys one repository's Flux has after this update, and what the person must do. Both
 * numbers come from the config, so no update switches keys unless someone changed a setting:
 * `nextKeyGeneration` stages a key (made, and listed or registered, while Flux keeps its key),
 * and `keyGeneration` set to it switches Flux over. A key registered by this program may also be
 * switched to directly, since the registration comes first; a key added by hand may not, when
 * the last update's record shows it was never staged: Flux would fetch with a key no repository
 * knows. Without a record (a stack last deployed before records were kept) it is used at once,
 * as it always was.
 */
export function planDeployKey(
  request: DeployKeyRequest,
  last: DeployKeyRecord | undefined,
): {
  readonly generations: KeyGenerations;
  readonly warnings: readonly string[];
  readonly problems: readonly string[];
} {
  const { generation, next, repository, user, setting, nextSetting } = request;
  const staged = next !== undefined && next !== generation ? next : undefined;
  const generations: KeyGenerations =
    staged === undefined ? { inUse: generation } : { inUse: generation, staged };
  const switching = last !== undefined && last.inUse !== generation;
  const warnings: string[] = [];
  const problems: string[] = [];
  if (!request.addedByHand) return { generations, warnings, problems };

  if (last?.registeredOnGitHub === true) {
    // GitHub refuses a key that is already registered, so it cannot be added by hand first.
    warnings.push(
      `This program no longer registers the deploy keys of ${user} (${settingKey(["registerDeployKeys"])} is false, or the repository is no longer on GitHub): this update deletes the GitHub registration of key ${last.inUse}${last.staged !== undefined ? ` and staged key ${last.staged}` : ""}, and Flux cannot fetch ${repository} until key ${generation} is added to it by hand, from the ${STACK_OUTPUTS.deployKeysToAddByHand} output.`,
    );
  }

  if (switching && last.staged !== generation) {
    problems.push(
      `${setting}: ${generation} would switch Flux of ${user} to a key that was never staged, which no one can have added to ${repository} yet (this program does not register it); ` +
        `expected ${last.inUse}, the key in use, or key ${generation} staged first: set ${nextSetting} to ${generation}, run pulumi up, add the key from the ${STACK_OUTPUTS.deployKeysToAddByHand} output, then set ${setting} to ${generation}`,
    );
    return { generations, warnings, problems };
  }
  if (staged !== undefined && last?.staged !== staged) {
    warnings.push(
      `Deploy key ${staged} of ${user} is staged (${nextSetting}); Flux keeps using key ${generation}. From the ${STACK_OUTPUTS.deployKeysToAddByHand} output, add key ${staged} to ${repository}, then set ${setting} to ${staged} and run pulumi up to switch Flux to it.`,
    );
  }
  if (switching) {
    warnings.push(
      `Deploy key ${generation} of ${user} is now in use (${setting}): Flux switches to it in this update, which deletes key ${last.inUse}; remove key ${last.inUse} from ${repository}.`,
    );
  }
  const dropped = last?.staged;
  if (dropped !== undefined && dropped !== generation && dropped !== staged) {
    warnings.push(
      `${nextSetting} no longer asks for staged deploy key ${dropped} of ${user}, which this update deletes: remove key ${dropped} from ${repository} if you added it.`,
    );
  }
  if (last === undefined && request.deployedBefore && generation !== 1) {
    warnings.push(
      `The last update kept no record of which deploy key of ${user} is in use; Flux uses key ${generation} (${setting}) from this update on. If that is a new key, add it to ${repository} now, from the ${STACK_OUTPUTS.deployKeysToAddByHand} output.`,
    );
  }
  return { generations, warnings, problems };
}

/** Every repository's deploy keys for this update, from the config and the last update's record. */
export function planDeployKeys(
  settings: Pick<ClusterSettings, "systemFlux" | "applications" | "registerDeployKeys">,
  last: LastDeployment,
): DeployKeyPlan {
  const record = last.deployKeyGenerations;
  const addedByHand = (location: GitRepositoryLocation) =>
    repositoryToRegister(location, settings.registerDeployKeys) === undefined;
  const deployedApplications = new Set(last.applications ?? []);

  const system = planDeployKey(
    {
      setting: settingKey(["systemFlux", "keyGeneration"]),
      nextSetting: settingKey(["systemFlux", "nextKeyGeneration"]),
      user: "the system Flux",
      repository: settings.systemFlux.repository.original,
      generation: settings.systemFlux.keyGeneration,
      next: settings.systemFlux.nextKeyGeneration,
      addedByHand: addedByHand(settings.systemFlux.repository),
      // Every deployed stack exported applicationPublicKeys, empty or not; a new stack has none.
      deployedBefore: last.applications !== undefined,
    },
    record?.systemFlux,
  );
  const applications = settings.applications.map((application, index) => ({
    name: application.name,
    ...planDeployKey(
      {
        setting: settingKey(["applications", index, "keyGeneration"]),
        nextSetting: settingKey(["applications", index, "nextKeyGeneration"]),
        user: `application ${application.name}`,
        repository: application.repository.original,
        generation: application.keyGeneration,
        next: application.nextKeyGeneration,
        addedByHand: addedByHand(application.repository),
        deployedBefore: deployedApplications.has(application.name),
      },
      record?.applications.get(application.name),
    ),
  }));

  // A removed application's keys go with it; a person must take those they added off the repository.
  const configured = new Set(settings.applications.map((application) => application.name));
  const removed = [...(record?.applications ?? new Map<string, KeyGenerations>())]
    .filter(([name]) => !configured.has(name))
    .map(
      ([name, generations]) =>
        `Application ${name} is no longer configured, so this update deletes its deploy key${generations.staged !== undefined ? `s ${generations.inUse} and ${generations.staged}` : ` ${generations.inUse}`}; remove any you added by hand from its repository.`,
    );

  return {
    systemFlux: system.generations,
    applications: new Map(applications.map((app) => [app.name, app.generations])),
    warnings: [...system.warnings, ...applications.flatMap((app) => app.warnings), ...removed],
    problems: [...system.problems, ...applications.flatMap((app) => app.problems)],
  };
}
