/**
 * The one FluxInstance the Flux Operator reconciles, as a pure function of plain values: the
 * pinned distribution, the controllers, the tenant lockdown and the system repository sync.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GitSource } from "../shared/gitSource";
import { awaitMetadata } from "../shared/readiness";
import { standardLabels } from "../shared/workloads";
import { versions } from "../versions";

/** The CRD allows one FluxInstance per cluster, and the operator expects this name. */
const FLUX_INSTANCE_NAME = "flux";

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

export const systemFluxLabels = (): Record<string, string> => standardLabels("system-flux");

/**
 * The ServiceAccount of its own namespace a tenant's Flux object acts as when it names none: for
 * kustomize- and helm-controller's Kubernetes calls, and, with the workload identity lockdown,
 * for every controller's cloud calls (sources, SOPS decryption, remote clusters). `default`
 * exists in every namespace, is bound to nothing and carries no cloud role unless the
 * namespace's owner gives it one. Flux's own default; written out so that the choice is visible.
 */
export const TENANT_DEFAULT_SERVICE_ACCOUNT = "default";

/** The FluxInstance spec: pinned distribution, tenant lockdown, and the system repository sync. */
export function fluxInstanceSpec(args: {
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
      // Cloud calls made for a Flux object (an OCI or bucket source, KMS decryption, a remote
      // cluster) use a ServiceAccount of the object's namespace, never the controllers' own
      // identity, which on EKS is often the node role.
      objectLevelWorkloadIdentity: true,
      multitenantWorkloadIdentity: true,
      tenantDefaultServiceAccount: TENANT_DEFAULT_SERVICE_ACCOUNT,
      tenantDefaultDecryptionServiceAccount: TENANT_DEFAULT_SERVICE_ACCOUNT,
      tenantDefaultKubeConfigServiceAccount: TENANT_DEFAULT_SERVICE_ACCOUNT,
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

/** The FluxInstance object; tenants' sources need Flux's CRDs, which exist once it is Ready. */
export function fluxInstance(args: {
  readonly namespace: pulumi.Input<string>;
  readonly waitForReadiness: boolean;
  readonly spec: ReturnType<typeof fluxInstanceSpec>;
}) {
  return {
    apiVersion: "fluxcd.controlplane.io/v1",
    kind: "FluxInstance",
    metadata: {
      name: FLUX_INSTANCE_NAME,
      namespace: args.namespace,
      labels: systemFluxLabels(),
      ...awaitMetadata(args.waitForReadiness, { "pulumi.com/waitFor": "condition=Ready" }),
    },
    spec: args.spec,
  } satisfies k8s.apiextensions.CustomResourceArgs;
}
