/**
 * What a deploy key needs settled before anything is created: host keys for its repository's
 * host, a usable generation, and a GitHub provider when it is registered on GitHub. Shared by
 * DeployKey and the components that make one, so each refuses bad arguments first.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  type GitRepositoryLocation,
  type GitSource,
  type GitSourceArgs,
  resolveGitSource,
} from "../shared/gitSource";
import { builtInKnownHostsFor } from "../shared/knownHosts";
import { gitHubHttpsPortHint } from "../shared/repositoryUrl";

/**
 * The GitHub repository a deploy key is registered on by this program, or undefined when a
 * person adds it: the repository is elsewhere, or registering is switched off.
 */
export function repositoryToRegister(
  location: GitRepositoryLocation,
  registering: boolean,
): GitRepositoryLocation["github"] {
  return registering ? location.github : undefined;
}

/** The GitHub provider a resource got through opts.providers or opts.provider, or its parent. */
export function gitHubProviderOf(resource: pulumi.Resource): pulumi.ProviderResource | undefined {
  return resource.getProvider("github:index/repositoryDeployKey:RepositoryDeployKey");
}

/**
 * Why opts.providers cannot register the repository's key, or undefined. A provider acts for one
 * owner, so the default provider is never used: it could register the key on another owner's
 * repository of the same name.
 */
export function gitHubProviderProblem(
  location: GitRepositoryLocation,
  provider: pulumi.ProviderResource | undefined,
  switchOff: string,
): string | undefined {
  if (location.github === undefined || provider !== undefined) return undefined;
  return `has no GitHub provider; ${location.original} is on GitHub, so its deploy key is registered with a provider for ${location.github.owner}; expected one in opts.providers, or ${switchOff} set to false`;
}

/** The known_hosts text given, or the pinned one for the host; or why there is none. */
export function knownHostsFor(
  location: GitRepositoryLocation,
  given: pulumi.Input<string> | undefined,
): { readonly knownHosts: pulumi.Input<string> } | { readonly problem: string } {
  const knownHosts = given ?? builtInKnownHostsFor(location);
  if (knownHosts !== undefined) return { knownHosts };
  return {
    problem: `is required for ${location.original}: no host keys are built in for ${location.host}${location.port === undefined ? "" : ` port ${location.port}`}; expected its known_hosts lines, as printed by ssh-keyscan and checked out of band${gitHubHttpsPortHint(location)}`,
  };
}

/** Why a deploy key generation is unusable, or undefined. */
export function keyGenerationProblem(generation: number): string | undefined {
  return Number.isInteger(generation) && generation >= 1
    ? undefined
    : `must be a whole number from 1, not ${generation}`;
}

/**
 * Why a staged generation is unusable beside the one in use, or undefined. The same number
 * would name the same key twice.
 */
export function stagedGenerationProblem(
  staged: number | undefined,
  inUse: number,
  inUseArgument: string,
): string | undefined {
  if (staged === undefined) return undefined;
  return (
    keyGenerationProblem(staged) ??
    (staged === inUse
      ? `is ${staged}, the key already in use (${inUseArgument}); expected another number, or none`
      : undefined)
  );
}

/** The arguments of a component that syncs a Git source with a deploy key of its own. */
export interface FluxSourceArgs {
  readonly source: GitSourceArgs;
  readonly knownHosts?: pulumi.Input<string>;
  readonly keyGeneration?: number;
  readonly stagedKeyGeneration?: number;
  readonly registerDeployKey?: boolean;
}

/**
 * The source and deploy key settings of SystemFlux or ApplicationFlux, with defaults applied;
 * or the first argument that cannot work, named as those components name it.
 */
export function settleFluxSource(
  args: FluxSourceArgs,
  defaults: { readonly keyGeneration: number; readonly registerDeployKey: boolean },
  githubProvider: pulumi.ProviderResource | undefined,
):
  | {
      readonly source: GitSource;
      readonly knownHosts: pulumi.Input<string>;
      readonly keyGeneration: number;
      readonly stagedKeyGeneration?: number;
      readonly registerDeployKey: boolean;
    }
  | { readonly argument: string; readonly problem: string } {
  const resolved = resolveGitSource(args.source);
  if ("problem" in resolved) return { argument: "source.repository", problem: resolved.problem };
  const source = resolved.source;
  const hostKeys = knownHostsFor(source.repository, args.knownHosts);
  if ("problem" in hostKeys) return { argument: "knownHosts", problem: hostKeys.problem };
  const keyGeneration = args.keyGeneration ?? defaults.keyGeneration;
  const generationProblem = keyGenerationProblem(keyGeneration);
  if (generationProblem !== undefined) {
    return { argument: "keyGeneration", problem: generationProblem };
  }
  const stagedKeyGeneration = args.stagedKeyGeneration;
  const stagedProblem = stagedGenerationProblem(
    stagedKeyGeneration,
    keyGeneration,
    "keyGeneration",
  );
  if (stagedProblem !== undefined) {
    return { argument: "stagedKeyGeneration", problem: stagedProblem };
  }
  const registerDeployKey = args.registerDeployKey ?? defaults.registerDeployKey;
  const providerProblem = registerDeployKey
    ? gitHubProviderProblem(source.repository, githubProvider, "registerDeployKey")
    : undefined;
  if (providerProblem !== undefined) {
    return { argument: "opts.providers", problem: providerProblem };
  }
  return {
    source,
    knownHosts: hostKeys.knownHosts,
    keyGeneration,
    ...(stagedKeyGeneration !== undefined ? { stagedKeyGeneration } : {}),
    registerDeployKey,
  };
}
