import type * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DeployKey } from "./deployKey";
import { awaitMetadata, SKIP_AWAIT } from "./shared/readiness";
import type { GitSource } from "./shared/gitSource";
import { roleRef } from "./shared/rbac";
import {
  DEFAULT_TENANT_POD_SECURITY,
  podSecurityLabels,
  tenantNamespaces,
  type TenantPodSecurity,
} from "./shared/tenancy";
import { standardLabels } from "./shared/workloads";

export interface ApplicationFluxArgs {
  /** The tenant's name: also its target namespace, and `<name>-flux` holds its Flux objects. */
  readonly name: string;
  /** The application's repository, branch, path and interval. */
  readonly source: GitSource;
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
  /** Whether `pulumi up` waits for the GitRepository to be Ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
  /** Flux's CRDs exist only once the system Flux is installed; depend on it. */
  readonly fluxInstance: pulumi.Input<pulumi.Resource>;
  /** The Pod Security Standard enforced in both namespaces; `baseline` when not given. */
  readonly podSecurity?: TenantPodSecurity;
}

/** The ServiceAccount every tenant's Kustomization impersonates. */
const TENANT_SERVICE_ACCOUNT = "flux-reconciler";

/** The ClusterRole a tenant gets, bound per namespace; never bound cluster-wide. */
const TENANT_CLUSTER_ROLE = "admin";

/**
 * One locked-down Flux tenant: its two namespaces, a ServiceAccount with `admin` in exactly
 * those two, its own deploy key, and a GitRepository and Kustomization that run as that
 * ServiceAccount. Nothing cluster-wide is granted.
 */
export class ApplicationFlux extends pulumi.ComponentResource {
  public readonly fluxNamespace: string;
  public readonly workloadNamespace: string;
  public readonly deployKey: DeployKey;

  constructor(name: string, args: ApplicationFluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:applicationFlux:ApplicationFlux", name, {}, opts);

    const namespaces = tenantNamespaces(args.name);
    this.fluxNamespace = namespaces.flux;
    this.workloadNamespace = namespaces.workloads;
    const labels = standardLabels("application-flux", { "toolkit.fluxcd.io/tenant": args.name });
    // Both namespaces: the tenant's ServiceAccount is admin in each, so either could run pods.
    const namespaceLabels = {
      ...labels,
      ...podSecurityLabels(args.podSecurity ?? DEFAULT_TENANT_POD_SECURITY),
    };

    const fluxNamespace = new k8s.core.v1.Namespace(
      `${name}-flux-namespace`,
      { metadata: { name: namespaces.flux, labels: namespaceLabels } },
      { parent: this },
    );
    const workloadNamespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: namespaces.workloads, labels: namespaceLabels } },
      { parent: this },
    );

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      {
        metadata: { name: TENANT_SERVICE_ACCOUNT, namespace: fluxNamespace.metadata.name, labels },
      },
      { parent: this },
    );

    const bindings = [
      { role: "flux", namespace: fluxNamespace },
      { role: "workloads", namespace: workloadNamespace },
    ].map(
      ({ role, namespace }) =>
        new k8s.rbac.v1.RoleBinding(
          `${name}-${role}-admin`,
          {
            metadata: {
              name: `${TENANT_SERVICE_ACCOUNT}-admin`,
              namespace: namespace.metadata.name,
              labels,
            },
            roleRef: roleRef("ClusterRole", TENANT_CLUSTER_ROLE),
            subjects: [
              {
                kind: "ServiceAccount",
                name: serviceAccount.metadata.name,
                namespace: namespaces.flux,
              },
            ],
          },
          { parent: this },
        ),
    );

    this.deployKey = new DeployKey(
      `${name}-deploy-key`,
      {
        repository: args.source.repository,
        title: `k8s-flux ${args.clusterName} ${args.name}`,
        readOnly: true,
        knownHosts: args.knownHosts,
        secretName: `${args.name}-deploy-key`,
        secretNamespace: fluxNamespace.metadata.name,
        labels: { "toolkit.fluxcd.io/tenant": args.name },
        ...(args.githubProvider ? { githubProvider: args.githubProvider } : {}),
        ...(args.keyGeneration !== undefined ? { generation: args.keyGeneration } : {}),
        registerOnGitHub: args.registerDeployKey ?? true,
      },
      { parent: this },
    );

    const gitRepository = new k8s.apiextensions.CustomResource(
      `${name}-gitrepository`,
      {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: {
          name: args.name,
          namespace: fluxNamespace.metadata.name,
          labels,
          // Ready proves the deploy key and host keys work, so wait for it. A key added by hand
          // cannot work before this update has printed it: waiting would fail the update and
          // withhold the deployKeysToAddByHand output the user needs.
          ...awaitMetadata(this.deployKey.registeredOnGitHub && (args.waitForReadiness ?? true), {
            "pulumi.com/waitFor": "condition=Ready",
          }),
        },
        spec: {
          url: args.source.repository.sshUrl,
          ref: { branch: args.source.branch },
          interval: args.source.interval,
          secretRef: { name: this.deployKey.secretName },
        },
      },
      { parent: this, dependsOn: [args.fluxInstance, this.deployKey.secret] },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-kustomization`,
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: {
          name: args.name,
          namespace: fluxNamespace.metadata.name,
          labels,
          // The application's own health is its team's concern, not a reason to fail `pulumi up`.
          annotations: { ...SKIP_AWAIT },
        },
        spec: {
          interval: args.source.interval,
          path: args.source.path,
          prune: true,
          sourceRef: { kind: "GitRepository", name: args.name },
          serviceAccountName: TENANT_SERVICE_ACCOUNT,
          targetNamespace: namespaces.workloads,
        },
      },
      { parent: this, dependsOn: [gitRepository, ...bindings] },
    );

    this.registerOutputs({
      fluxNamespace: this.fluxNamespace,
      workloadNamespace: this.workloadNamespace,
      publicKey: this.deployKey.publicKey,
    });
  }
}
