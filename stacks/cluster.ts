import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import {
  ApplicationFlux,
  type DeployKey,
  ExternalDns,
  type GitRepositoryLocation,
  MetricsServer,
  repositoryToRegister,
  NewRelic,
  SealedSecrets,
  type SealingKeyRequest,
  SystemFlux,
} from "../components";
import {
  type DeployKeyGenerations,
  type DeployKeyPlan,
  type DeployKeyRecord,
  type KeyGenerations,
} from "./deployKeyPlan";
import type { StackConfig } from "./loadConfig";

/** A public key a person adds to a repository; only the one in use is in Flux's Secret. */
export interface DeployKeyToAddByHand {
  readonly repository: string;
  readonly publicKey: pulumi.Output<string>;
  readonly generation: number;
  /** False for a staged key: add it, then the next `pulumi up` switches Flux to it. */
  readonly inUse: boolean;
  /** GitHub's "Allow write access": true only where Flux pushes (image automation). */
  readonly writeAccess: boolean;
}

/** What a stack exports: only public values, for people and for other tooling. */
export interface ClusterOutputs {
  /** The certificate new secrets are sealed with (PEM): the newest sealing key's. */
  readonly sealedSecretsCert?: pulumi.Output<string>;
  /** Sealing key names: in use, and being removed (deleted by the next update). */
  readonly sealedSecretsKeys?: { active: string[]; retiring: string[] };
  /** Every sealing key's certificate (PEM) by key name. */
  readonly sealedSecretsCertificates?: pulumi.Output<Record<string, string>>;
  /** The IAM role External DNS runs as. */
  readonly externalDnsRoleArn?: pulumi.Output<string>;
  /** The system Flux deploy key's public half. */
  readonly systemFluxPublicKey: pulumi.Output<string>;
  /** Each application's deploy key public half, by application name. */
  readonly applicationPublicKeys: Record<string, pulumi.Output<string>>;
  /**
   * Keys this program does not register (outside GitHub, or registerDeployKeys false), which a
   * person adds to those repositories: each one in use, and each one staged.
   */
  readonly deployKeysToAddByHand: DeployKeyToAddByHand[];
  /** Each repository's deploy key generations, which the next update reads back. */
  readonly deployKeyGenerations: DeployKeyGenerations;
}

/** A component's deploy key arguments for the generations planned. */
const flux = (generations: KeyGenerations) => ({
  keyGeneration: generations.inUse,
  ...(generations.staged !== undefined ? { stagedKeyGeneration: generations.staged } : {}),
});

/** An application's planned deploy keys; every configured application has a plan. */
function plannedKeys(plan: Pick<DeployKeyPlan, "applications">, name: string): KeyGenerations {
  const planned = plan.applications.get(name);
  if (planned === undefined) throw new Error(`no deploy key plan for application ${name}`);
  return planned;
}

/** What a deploy key declared, as the `deployKeyGenerations` output records it. */
const generationsOf = (key: DeployKey): DeployKeyRecord => ({
  inUse: key.generation,
  registeredOnGitHub: key.registeredOnGitHub,
  ...(key.staged ? { staged: key.staged.generation } : {}),
});

/** One GitHub provider per repository owner, because a provider acts for a single owner. */
function gitHubProviders(
  config: StackConfig,
): (location: GitRepositoryLocation) => github.Provider | undefined {
  const providers = new Map<string, github.Provider>();
  return (location) => {
    const repository = repositoryToRegister(location, config.registerDeployKeys);
    if (repository === undefined) return undefined;
    const owner = repository.owner;
    let provider = providers.get(owner.toLowerCase());
    if (!provider) {
      provider = new github.Provider(`github-${owner.toLowerCase()}`, {
        owner,
        ...(config.githubToken ? { token: config.githubToken } : {}),
      });
      providers.set(owner.toLowerCase(), provider);
    }
    return provider;
  };
}

/**
 * Builds one cluster from validated config: every component the stack enables, wired
 * together, each named after the cluster's role rather than its resources.
 */
export function buildCluster(
  config: StackConfig,
  sealingKeys: readonly SealingKeyRequest[],
  deployKeys: Pick<DeployKeyPlan, "systemFlux" | "applications">,
): ClusterOutputs {
  const providerFor = gitHubProviders(config);
  const knownHostsFor = (location: GitRepositoryLocation): string => {
    const knownHosts = config.knownHosts[location.host];
    if (knownHosts === undefined) {
      // Validation guarantees an entry; reaching this is a bug, not bad input.
      throw new Error(`no known_hosts entry for ${location.host}`);
    }
    return knownHosts;
  };
  // Deploy keys are registered with the provider the components get, as Pulumi passes providers.
  const providerOpts = (location: GitRepositoryLocation): pulumi.ComponentResourceOptions => {
    const provider = providerFor(location);
    return provider ? { providers: [provider] } : {};
  };

  const externalDns = config.externalDns
    ? new ExternalDns("external-dns", {
        ...config.externalDns,
        txtOwnerId: config.clusterName,
        waitForReadiness: config.waitForReadiness,
      })
    : undefined;

  const systemFlux = new SystemFlux(
    "system-flux",
    {
      source: config.systemFlux,
      imageAutomation: config.systemFlux.imageAutomation,
      knownHosts: knownHostsFor(config.systemFlux.repository),
      clusterName: config.clusterName,
      ...flux(deployKeys.systemFlux),
      installOperator: config.systemFlux.installOperator,
      operatorWebUi: config.systemFlux.operatorWebUi,
      registerDeployKey: config.registerDeployKeys,
      waitForReadiness: config.waitForReadiness,
    },
    providerOpts(config.systemFlux.repository),
  );

  const sealedSecrets = config.sealedSecrets.enabled
    ? new SealedSecrets("sealed-secrets", {
        keys: sealingKeys,
        waitForReadiness: config.waitForReadiness,
      })
    : undefined;
  for (const key of sealedSecrets?.retiringKeys ?? []) {
    pulumi.log.warn(
      `Sealing key ${key} is being removed: this update takes it from the controller and lifts its protection; the next pulumi up deletes it.`,
    );
  }

  if (config.metricsServer.enabled) {
    new MetricsServer("metrics-server", { waitForReadiness: config.waitForReadiness });
  }

  if (config.newRelicLicenseKey) {
    new NewRelic("newrelic", {
      clusterName: config.clusterName,
      licenseKey: config.newRelicLicenseKey,
    });
  }

  // The tenants' DNS names policy also checks the prefix External DNS reads, if not default:
  // the one run here, or, with it off, one run elsewhere.
  const annotationPrefix = config.externalDnsAnnotationPrefix;
  const applications = config.applications.map((application) => ({
    application,
    tenant: new ApplicationFlux(
      `app-${application.name}`,
      {
        name: application.name,
        source: application,
        knownHosts: knownHostsFor(application.repository),
        clusterName: config.clusterName,
        fluxInstance: systemFlux.fluxInstance,
        podSecurity: application.podSecurity,
        ...(application.resourceQuota ? { resourceQuota: application.resourceQuota } : {}),
        ...(application.limitRange ? { limitRange: application.limitRange } : {}),
        networkPolicy: application.networkPolicy,
        ...(application.dnsDomains ? { dnsDomains: application.dnsDomains } : {}),
        ...(annotationPrefix === undefined
          ? {}
          : { externalDnsAnnotationPrefix: annotationPrefix }),
        ...flux(plannedKeys(deployKeys, application.name)),
        registerDeployKey: config.registerDeployKeys,
        waitForReadiness: config.waitForReadiness,
      },
      providerOpts(application.repository),
    ),
  }));

  const keys = [
    { repository: config.systemFlux.repository, key: systemFlux.deployKey },
    ...applications.map(({ application, tenant }) => ({
      repository: application.repository,
      key: tenant.deployKey,
    })),
  ];
  const byHand = keys
    .filter(({ key }) => !key.registeredOnGitHub)
    .flatMap(({ repository, key }) => [
      {
        repository: repository.original,
        publicKey: key.publicKey,
        generation: key.generation,
        inUse: true,
        writeAccess: !key.readOnly,
      },
      ...(key.staged
        ? [
            {
              repository: repository.original,
              publicKey: key.staged.publicKey,
              generation: key.staged.generation,
              inUse: false,
              writeAccess: !key.readOnly,
            },
          ]
        : []),
    ]);

  return {
    ...(sealedSecrets
      ? {
          sealedSecretsCert: sealedSecrets.certificate,
          sealedSecretsKeys: {
            active: sealingKeys.filter((key) => !key.retiring).map((key) => key.name),
            retiring: sealingKeys.filter((key) => key.retiring).map((key) => key.name),
          },
          sealedSecretsCertificates: sealedSecrets.certificates,
        }
      : {}),
    ...(externalDns ? { externalDnsRoleArn: externalDns.roleArn } : {}),
    systemFluxPublicKey: systemFlux.deployKey.publicKey,
    applicationPublicKeys: Object.fromEntries(
      applications.map(({ application, tenant }) => [application.name, tenant.deployKey.publicKey]),
    ),
    deployKeysToAddByHand: byHand,
    deployKeyGenerations: {
      systemFlux: generationsOf(systemFlux.deployKey),
      applications: Object.fromEntries(
        applications.map(({ application, tenant }) => [
          application.name,
          generationsOf(tenant.deployKey),
        ]),
      ),
    },
  };
}
