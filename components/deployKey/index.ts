import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { argumentError, componentLabel } from "../shared/errors";
import { type GitRepository, repositoryLocation } from "../shared/gitSource";
import { standardLabels } from "../shared/workloads";
import {
  gitHubProviderOf,
  gitHubProviderProblem,
  keyGenerationProblem,
  knownHostsFor,
  repositoryToRegister,
  stagedGenerationProblem,
} from "./checks";
import { deployKeyDefaults } from "./defaults";

export interface DeployKeyArgs {
  /**
   * The repository Flux pulls from, as an SSH URL or a parsed location. The key is registered
   * only when it is on github.com, with the GitHub provider in `opts.providers`.
   */
  readonly repository: GitRepository;
  /** The key's title on GitHub; name the cluster and the consumer so people can tell keys apart. */
  readonly title: pulumi.Input<string>;
  /** Read-only unless Flux must push (image automation). Defaults to true. */
  readonly readOnly?: boolean;
  /**
   * known_hosts text for the repository's host, pinned; never scanned at apply time. Defaults to
   * the built-in github.com host keys for github.com; required for any other host.
   */
  readonly knownHosts?: pulumi.Input<string>;
  /** Where Flux reads the key: an Opaque Secret with `identity`, `identity.pub`, `known_hosts`. */
  readonly secretName: string;
  readonly secretNamespace: pulumi.Input<string>;
  /**
   * Register the key on GitHub when the repository is there. Defaults to true; false leaves the
   * public key for someone (or something) else to add.
   */
  readonly registerOnGitHub?: boolean;
  /** Extra labels for the Secret. */
  readonly labels?: Record<string, string>;
  /**
   * Which key Flux uses, from 1 (the default). Raising it replaces the key without a gap when
   * the key is registered on GitHub: the new key is made and registered and the Secret switched
   * to it during the update, and the old key and its registration, no longer declared, are
   * deleted at the end of the update. A key added by hand is staged first (`stagedGeneration`).
   */
  readonly generation?: number;
  /**
   * A next key, made beside the one in use but kept out of the Secret, so that someone can add
   * it to the repository before Flux uses it. A later update with `generation` set to this
   * number switches the Secret to it and deletes the old key; the key itself is kept, since a
   * key's resource names depend only on its number. Registered on GitHub too when this
   * component registers keys. None by default; must differ from `generation`.
   */
  readonly stagedGeneration?: number;
}

/** A key made beside the one in use, not yet in the Secret. */
export interface StagedDeployKey {
  readonly generation: number;
  /** The public key in OpenSSH format, to add to the repository before switching to it. */
  readonly publicKey: pulumi.Output<string>;
}

/** Generation 1 keeps the names keys had before rotation existed, so no stack sees a change. */
function generationSuffix(generation: number): string {
  return generation === 1 ? "" : `-gen${generation}`;
}

/**
 * An SSH key pair owned by Pulumi state, registered as a deploy key on the repository, and
 * handed to Flux as a Secret. The Secret is written only after the key is registered, so Flux
 * never tries a key GitHub doesn't know yet; a key added by hand can be staged beside it for the
 * same reason. Used by the system Flux and by every tenant.
 */
export class DeployKey extends pulumi.ComponentResource {
  /** The public key in OpenSSH format; add it by hand when `registeredOnGitHub` is false. */
  public readonly publicKey: pulumi.Output<string>;
  /** The private key (PEM), always a Pulumi secret. */
  public readonly privateKey: pulumi.Output<string>;
  /** Whether the key was registered on GitHub by this program. */
  public readonly registeredOnGitHub: boolean;
  /** Whether the key may only read the repository; a person adding it by hand leaves "Allow write access" off. */
  public readonly readOnly: boolean;
  /** The Flux pull Secret; depend on it before creating anything that syncs. */
  public readonly secret: k8s.core.v1.Secret;
  public readonly secretName: string;
  /** Which key Flux uses, from 1. */
  public readonly generation: number;
  /** The next key, made but not yet in the Secret; undefined when none is staged. */
  public readonly staged: StagedDeployKey | undefined;

  constructor(name: string, args: DeployKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:deployKey:DeployKey", name, {}, opts);
    const label = componentLabel("DeployKey", name);

    const resolved = repositoryLocation(args.repository);
    if ("problem" in resolved) {
      throw argumentError(this, label, "repository", resolved.problem);
    }
    const location = resolved.location;
    const hostKeys = knownHostsFor(location, args.knownHosts);
    if ("problem" in hostKeys) throw argumentError(this, label, "knownHosts", hostKeys.problem);
    this.generation = args.generation ?? deployKeyDefaults.generation;
    const generationProblem = keyGenerationProblem(this.generation);
    if (generationProblem !== undefined) {
      throw argumentError(this, label, "generation", generationProblem);
    }
    const stagedProblem = stagedGenerationProblem(
      args.stagedGeneration,
      this.generation,
      "generation",
    );
    if (stagedProblem !== undefined) {
      throw argumentError(this, label, "stagedGeneration", stagedProblem);
    }
    const registering = args.registerOnGitHub ?? deployKeyDefaults.registerOnGitHub;
    const githubRepository = repositoryToRegister(location, registering);
    const githubProvider = gitHubProviderOf(this);
    if (githubRepository) {
      const problem = gitHubProviderProblem(location, githubProvider, "registerOnGitHub");
      if (problem !== undefined) throw argumentError(this, label, "opts.providers", problem);
    }

    this.readOnly = args.readOnly ?? deployKeyDefaults.readOnly;
    const makeKey = (generation: number) => {
      const suffix = generationSuffix(generation);
      // ECDSA P-384 is Flux's own default for generated keys, and GitHub accepts it.
      const key = new tls.PrivateKey(
        `${name}-key${suffix}`,
        { algorithm: "ECDSA", ecdsaCurve: "P384" },
        { parent: this },
      );
      const publicKey = key.publicKeyOpenssh.apply((text) => text.trim());
      const registration =
        githubRepository && githubProvider
          ? new github.RepositoryDeployKey(
              `${name}-github${suffix}`,
              {
                repository: githubRepository.name,
                // Two generations are registered side by side for a while; tell them apart.
                title:
                  generation === 1
                    ? args.title
                    : pulumi.interpolate`${args.title} (key ${generation})`,
                key: publicKey,
                readOnly: this.readOnly,
              },
              { parent: this, provider: githubProvider },
            )
          : undefined;
      return { key, publicKey, registration };
    };

    const inUse = makeKey(this.generation);
    this.publicKey = inUse.publicKey;
    this.privateKey = pulumi.secret(inUse.key.privateKeyPem);
    const registration = inUse.registration;
    this.registeredOnGitHub = registration !== undefined;
    // Only its public half leaves the component; its private half stays in the key's state.
    this.staged =
      args.stagedGeneration === undefined
        ? undefined
        : {
            generation: args.stagedGeneration,
            publicKey: makeKey(args.stagedGeneration).publicKey,
          };

    this.secretName = args.secretName;
    this.secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: {
          name: args.secretName,
          namespace: args.secretNamespace,
          labels: standardLabels("deploy-key", args.labels),
        },
        type: "Opaque",
        stringData: {
          identity: this.privateKey,
          "identity.pub": this.publicKey,
          known_hosts: hostKeys.knownHosts,
        },
      },
      { parent: this, dependsOn: registration ? [registration] : [] },
    );

    this.registerOutputs({
      publicKey: this.publicKey,
      privateKey: this.privateKey,
      registeredOnGitHub: this.registeredOnGitHub,
      readOnly: this.readOnly,
      secret: this.secret,
      secretName: this.secretName,
      generation: this.generation,
      staged: this.staged,
    });
  }
}
