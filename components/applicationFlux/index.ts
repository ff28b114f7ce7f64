import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gitHubProviderOf, settleFluxSource } from "../deployKey/checks";
import { DeployKey } from "../deployKey";
import { argumentError } from "../shared/errors";
import type { GitSourceArgs } from "../shared/gitSource";
import { applicationFluxDefaults } from "./defaults";
import {
  tenantAdminBinding,
  tenantGitRepository,
  tenantKustomization,
  tenantNamespace,
  tenantServiceAccount,
} from "./manifests";
import { type PodSecurityLevel, tenantNamespaces } from "./tenancy";

export interface ApplicationFluxArgs {
  /**
   * The tenant's name: its workload namespace, and `<name>-flux` holds its Flux objects. A
   * DNS-1123 label of at most 58 characters. Defaults to the component's name.
   */
  readonly name?: string;
  /** The application's repository (an SSH URL), branch, path and interval. */
  readonly source: GitSourceArgs;
  /**
   * known_hosts text for the repository's host. Defaults to the built-in host keys for
   * github.com; required for any other host.
   */
  readonly knownHosts?: pulumi.Input<string>;
  /** Names the deploy key on GitHub: `k8s-flux <clusterName> <name>`. */
  readonly clusterName: pulumi.Input<string>;
  /** The deploy key's generation, from 1 (the default); raise it to rotate the key. */
  readonly keyGeneration?: number;
  /**
   * Register the deploy key on GitHub when the repository is there, with the GitHub provider in
   * `opts.providers`. Defaults to true.
   */
  readonly registerDeployKey?: boolean;
  /** Whether `pulumi up` waits for the GitRepository to be Ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
  /**
   * Flux's CRDs exist only once Flux is installed: the tenant's Flux objects wait for this,
   * usually `SystemFlux.fluxInstance`. Leave it out when Flux is managed elsewhere.
   */
  readonly fluxInstance?: pulumi.Input<pulumi.Resource>;
  /** The Pod Security Standard enforced in both namespaces. Defaults to `baseline`. */
  readonly podSecurity?: PodSecurityLevel;
}

/**
 * One locked-down Flux tenant: its two namespaces, a ServiceAccount with `admin` in exactly
 * those two, its own deploy key, and a GitRepository and Kustomization that run as that
 * ServiceAccount. Nothing cluster-wide is granted.
 */
export class ApplicationFlux extends pulumi.ComponentResource {
  /** The namespace holding the tenant's Flux objects, once it exists. */
  public readonly fluxNamespace: pulumi.Output<string>;
  /** The namespace the tenant's workloads are applied into, once it exists. */
  public readonly workloadNamespace: pulumi.Output<string>;
  public readonly deployKey: DeployKey;

  constructor(name: string, args: ApplicationFluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:applicationFlux:ApplicationFlux", name, {}, opts);
    const label = `ApplicationFlux ${name}`;

    const settled = settleFluxSource(args, applicationFluxDefaults, gitHubProviderOf(this));
    if ("problem" in settled) throw argumentError(this, label, settled.argument, settled.problem);
    const { source, knownHosts, keyGeneration, registerDeployKey } = settled;

    const tenant = args.name ?? name;
    const namespaces = tenantNamespaces(tenant);
    const podSecurity = args.podSecurity ?? applicationFluxDefaults.podSecurity;
    const fluxNamespace = new k8s.core.v1.Namespace(
      `${name}-flux-namespace`,
      tenantNamespace(tenant, namespaces.flux, podSecurity),
      { parent: this },
    );
    const workloadNamespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      tenantNamespace(tenant, namespaces.workloads, podSecurity),
      { parent: this },
    );
    this.fluxNamespace = fluxNamespace.metadata.name;
    this.workloadNamespace = workloadNamespace.metadata.name;

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      tenantServiceAccount(tenant, fluxNamespace.metadata.name),
      { parent: this },
    );
    const bindings = [
      { role: "flux", namespace: fluxNamespace },
      { role: "workloads", namespace: workloadNamespace },
    ].map(
      ({ role, namespace }) =>
        new k8s.rbac.v1.RoleBinding(
          `${name}-${role}-admin`,
          tenantAdminBinding({
            tenant,
            namespace: namespace.metadata.name,
            serviceAccount: { name: serviceAccount.metadata.name, namespace: namespaces.flux },
          }),
          { parent: this },
        ),
    );

    this.deployKey = new DeployKey(
      `${name}-deploy-key`,
      {
        repository: source.repository,
        title: pulumi.interpolate`k8s-flux ${args.clusterName} ${tenant}`,
        readOnly: true,
        knownHosts,
        secretName: `${tenant}-deploy-key`,
        secretNamespace: fluxNamespace.metadata.name,
        labels: { "toolkit.fluxcd.io/tenant": tenant },
        generation: keyGeneration,
        registerOnGitHub: registerDeployKey,
      },
      { parent: this },
    );

    const gitRepository = new k8s.apiextensions.CustomResource(
      `${name}-gitrepository`,
      tenantGitRepository({
        tenant,
        namespace: fluxNamespace.metadata.name,
        source,
        secretName: this.deployKey.secretName,
        waitForReadiness:
          this.deployKey.registeredOnGitHub &&
          (args.waitForReadiness ?? applicationFluxDefaults.waitForReadiness),
      }),
      {
        parent: this,
        dependsOn: [...(args.fluxInstance ? [args.fluxInstance] : []), this.deployKey.secret],
      },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-kustomization`,
      tenantKustomization({
        tenant,
        namespace: fluxNamespace.metadata.name,
        targetNamespace: namespaces.workloads,
        source,
      }),
      { parent: this, dependsOn: [gitRepository, ...bindings] },
    );

    this.registerOutputs({
      fluxNamespace: this.fluxNamespace,
      workloadNamespace: this.workloadNamespace,
      deployKey: this.deployKey,
    });
  }
}
