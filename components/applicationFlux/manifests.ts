/**
 * The Kubernetes objects of one Flux tenant, as pure functions of plain values (and of the names
 * of objects created before them): its two namespaces, its ServiceAccount and the RoleBindings
 * that make it `admin` there, and the GitRepository and Kustomization that run as it.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GitSource } from "../shared/gitSource";
import { NO_ROLE_ANNOTATIONS } from "../shared/kube2iam";
import { roleRef } from "../shared/rbac";
import { awaitMetadata, SKIP_AWAIT } from "../shared/readiness";
import { standardLabels } from "../shared/workloads";
import { type PodSecurityLevel, podSecurityLabels, TENANT_LABEL } from "./tenancy";

/** The ServiceAccount every tenant's Kustomization impersonates. */
export const TENANT_SERVICE_ACCOUNT = "flux-reconciler";

/** The ClusterRole a tenant gets, bound per namespace; never bound cluster-wide. */
const TENANT_CLUSTER_ROLE = "admin";

/** Labels on every object of the tenant, so `kubectl get -l toolkit.fluxcd.io/tenant=` finds them. */
export function tenantLabels(tenant: string): Record<string, string> {
  return standardLabels("application-flux", { [TENANT_LABEL]: tenant });
}

/**
 * A namespace of the tenant; both may run pods, since the tenant is admin in each. Their pods
 * may get no AWS role from kube2iam or kiam on the nodes.
 */
export function tenantNamespace(tenant: string, name: string, podSecurity: PodSecurityLevel) {
  return {
    metadata: {
      name,
      labels: { ...tenantLabels(tenant), ...podSecurityLabels(podSecurity) },
      annotations: { ...NO_ROLE_ANNOTATIONS },
    },
  } satisfies k8s.core.v1.NamespaceArgs;
}

/** The ServiceAccount the tenant's Flux objects run as, in its Flux namespace. */
export function tenantServiceAccount(tenant: string, namespace: pulumi.Input<string>) {
  return {
    metadata: { name: TENANT_SERVICE_ACCOUNT, namespace, labels: tenantLabels(tenant) },
  } satisfies k8s.core.v1.ServiceAccountArgs;
}

/** `admin` for the tenant's ServiceAccount in one of its namespaces, and nowhere else. */
export function tenantAdminBinding(args: {
  readonly tenant: string;
  readonly namespace: pulumi.Input<string>;
  readonly serviceAccount: { readonly name: pulumi.Input<string>; readonly namespace: string };
}) {
  return {
    metadata: {
      name: `${TENANT_SERVICE_ACCOUNT}-admin`,
      namespace: args.namespace,
      labels: tenantLabels(args.tenant),
    },
    roleRef: roleRef("ClusterRole", TENANT_CLUSTER_ROLE),
    subjects: [{ kind: "ServiceAccount", ...args.serviceAccount }],
  } satisfies k8s.rbac.v1.RoleBindingArgs;
}

/** The tenant's source: its repository over SSH with its own deploy key. */
export function tenantGitRepository(args: {
  readonly tenant: string;
  readonly namespace: pulumi.Input<string>;
  readonly source: GitSource;
  readonly secretName: string;
  /**
   * Whether `pulumi up` waits for it to be Ready, which proves the deploy key and host keys
   * work. A key added by hand cannot work before the update has printed it: waiting would fail
   * the update and withhold the key the user needs.
   */
  readonly waitForReadiness: boolean;
}) {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: {
      name: args.tenant,
      namespace: args.namespace,
      labels: tenantLabels(args.tenant),
      ...awaitMetadata(args.waitForReadiness, { "pulumi.com/waitFor": "condition=Ready" }),
    },
    spec: {
      url: args.source.repository.sshUrl,
      ref: { branch: args.source.branch },
      interval: args.source.interval,
      secretRef: { name: args.secretName },
    },
  } satisfies k8s.apiextensions.CustomResourceArgs;
}

/**
 * The tenant's sync: its own GitRepository only (no cross-namespace reference), applied as its
 * ServiceAccount into its workload namespace.
 */
export function tenantKustomization(args: {
  readonly tenant: string;
  readonly namespace: pulumi.Input<string>;
  readonly targetNamespace: string;
  readonly source: GitSource;
}) {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: {
      name: args.tenant,
      namespace: args.namespace,
      labels: tenantLabels(args.tenant),
      // The application's own health is its team's concern, not a reason to fail `pulumi up`.
      annotations: { ...SKIP_AWAIT },
    },
    spec: {
      interval: args.source.interval,
      path: args.source.path,
      prune: true,
      sourceRef: { kind: "GitRepository", name: args.tenant },
      serviceAccountName: TENANT_SERVICE_ACCOUNT,
      targetNamespace: args.targetNamespace,
    },
  } satisfies k8s.apiextensions.CustomResourceArgs;
}
