import type * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DeployKey } from "./deployKey";
import type { GitSource } from "./shared/gitSource";
import { PLATFORM_NAMESPACES } from "./shared/namespaces";
import { awaitMetadata } from "./shared/readiness";
import { standardLabels } from "./shared/workloads";
import { versions } from "./versions";

export interface SystemFluxArgs {
  /** The cluster's own repository: what the platform team deploys cluster-wide. */
  readonly source: GitSource;
  /** Adds the image reflector and automation controllers, and gives the key write access. */
  readonly imageAutomation: boolean;
  /** known_hosts text for the repository's host. */
  readonly knownHosts: string;
  /** Names the deploy key on GitHub. */
  readonly clusterName: string;
  /** The GitHub provider for the repository's owner, when the repository is on GitHub. */
  readonly githubProvider?: github.Provider;
  /** The deploy key's generation; raise it to rotate the key (see DeployKeyArgs.generation). */
  readonly keyGeneration?: number;
  /** Register the deploy key on GitHub when the repository is there. Defaults to true. */
  readonly registerDeployKey?: boolean;
  /**
   * Install the Flux Operator and its namespace. Defaults to true. False when the operator is
   * managed elsewhere: it must then already run in flux-system, whose namespace must exist.
   */
  readonly installOperator?: boolean;
  /** Whether `pulumi up` waits for the FluxInstance to be Ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

/** The operator watches only this namespace for its FluxInstance, and the CRD fixes the name. */
const FLUX_NAMESPACE = PLATFORM_NAMESPACES.flux;
const FLUX_INSTANCE_NAME = "flux";
const PULL_SECRET_NAME = "flux-system";

const BASE_CONTROLLERS = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
] as const;
const IMAGE_AUTOMATION_CONTROLLERS = [
  "image-reflector-controller",
  "image-automation-controller",
] as const;

/** The FluxInstance spec: pinned distribution, tenant lockdown, and the system repository sync. */
function fluxInstanceSpec(args: {
  readonly source: GitSource;
  readonly imageAutomation: boolean;
  readonly pullSecretName: string;
  /** Whether the instance is Ready only once its sync works, not merely once Flux is installed. */
  readonly readyMeansSynced: boolean;
}) {
  return {
    // The operator's own default (true); false leaves the sync out of its health checks.
    wait: args.readyMeansSynced,
    distribution: { ...versions.fluxDistribution },
    components: [
      ...BASE_CONTROLLERS,
      ...(args.imageAutomation ? IMAGE_AUTOMATION_CONTROLLERS : []),
    ],
    cluster: {
      type: "kubernetes",
      // Tenants may not reference other namespaces or remote bases, and run as their own
      // ServiceAccount; only the system sync keeps cluster-admin.
      multitenant: true,
      networkPolicy: true,
      domain: "cluster.local",
    },
    sync: {
      kind: "GitRepository",
      url: args.source.repository.sshUrl,
      ref: `refs/heads/${args.source.branch}`,
      path: args.source.path,
      interval: args.source.interval,
      pullSecret: args.pullSecretName,
    },
  };
}

/**
 * Flux v2 for the platform team: the Flux Operator from its pinned chart, and one FluxInstance
 * that installs the Flux controllers and syncs the system repository with a deploy key.
 */
export class SystemFlux extends pulumi.ComponentResource {
  public readonly namespace: string = FLUX_NAMESPACE;
  public readonly deployKey: DeployKey;
  /** Tenants' Flux objects depend on this: Flux's CRDs exist once it is ready. */
  public readonly fluxInstance: k8s.apiextensions.CustomResource;

  constructor(name: string, args: SystemFluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:systemFlux:SystemFlux", name, {}, opts);

    const labels = standardLabels("system-flux");
    // Installed, the namespace's name comes from the Namespace, so what lives in it waits for it.
    const { namespaceName, operator } =
      args.installOperator === false
        ? { namespaceName: pulumi.output(FLUX_NAMESPACE), operator: [] }
        : this.installOperator(name, labels);

    this.deployKey = new DeployKey(
      `${name}-deploy-key`,
      {
        repository: args.source.repository,
        title: `k8s-flux ${args.clusterName} system`,
        readOnly: !args.imageAutomation,
        knownHosts: args.knownHosts,
        secretName: PULL_SECRET_NAME,
        secretNamespace: namespaceName,
        ...(args.githubProvider ? { githubProvider: args.githubProvider } : {}),
        ...(args.keyGeneration !== undefined ? { generation: args.keyGeneration } : {}),
        registerOnGitHub: args.registerDeployKey ?? true,
      },
      { parent: this },
    );

    this.fluxInstance = new k8s.apiextensions.CustomResource(
      `${name}-instance`,
      {
        apiVersion: "fluxcd.controlplane.io/v1",
        kind: "FluxInstance",
        metadata: {
          name: FLUX_INSTANCE_NAME,
          namespace: namespaceName,
          labels,
          // Tenants' sources need Flux's CRDs, which exist once the instance is Ready.
          ...awaitMetadata(args.waitForReadiness ?? true, {
            "pulumi.com/waitFor": "condition=Ready",
          }),
        },
        spec: fluxInstanceSpec({
          source: args.source,
          imageAutomation: args.imageAutomation,
          pullSecretName: PULL_SECRET_NAME,
          // With a key registered on GitHub, Ready proves the controllers and the sync work. A key
          // added by hand cannot work before this update has printed it, so Ready then means only
          // that the operator applied Flux (its CRDs included), which is what tenants need.
          readyMeansSynced: this.deployKey.registeredOnGitHub,
        }),
      },
      // The operator must outlive the FluxInstance: its finalizer uninstalls Flux.
      { parent: this, dependsOn: [...operator, this.deployKey.secret] },
    );

    this.registerOutputs({
      namespace: this.namespace,
      publicKey: this.deployKey.publicKey,
    });
  }

  /** The operator's namespace and pinned chart; the Secret and instance wait for both. */
  private installOperator(
    name: string,
    labels: Record<string, string>,
  ): { namespaceName: pulumi.Output<string>; operator: pulumi.Resource[] } {
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: FLUX_NAMESPACE, labels } },
      { parent: this },
    );
    const operator = new k8s.helm.v4.Chart(
      `${name}-operator`,
      {
        chart: versions.fluxOperatorChart.chart,
        version: versions.fluxOperatorChart.version,
        // The chart's ServiceAccount and Deployment are named after the release.
        name: "flux-operator",
        namespace: namespace.metadata.name,
      },
      { parent: this, dependsOn: [namespace] },
    );
    return { namespaceName: namespace.metadata.name, operator: [operator] };
  }
}
