import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gitHubProviderOf, settleFluxSource } from "../deployKey/checks";
import { DeployKey } from "../deployKey";
import { argumentError, componentLabel } from "../shared/errors";
import type { GitSourceArgs } from "../shared/gitSource";
import { ownedByThisStack } from "../shared/ownership";
import { quoted } from "../shared/quotedText";
import { annotationPrefixProblem } from "../externalDns/annotations";
import { domainFilterProblem } from "../externalDns/domainFilters";
import {
  tenantExternalIpsPolicy,
  tenantExternalIpsPolicyBinding,
  tenantPolicyBinding,
} from "./admission";
import { applicationFluxDefaults } from "./defaults";
import { dnsNamesPolicyName, tenantDnsNamesPolicy } from "./dnsNames";
import {
  foreignDependenciesPolicyName,
  tenantForeignDependenciesPolicy,
} from "./foreignDependencies";
import {
  tenantAdminBinding,
  tenantGitRepository,
  tenantKustomization,
  tenantNamespace,
  tenantServiceAccount,
} from "./manifests";
import { tenantNetworkPolicy } from "./networkIsolation";
import {
  type ContainerDefaults,
  containerDefaultsProblems,
  resourceQuotaProblems,
} from "./quantities";
import { type ResourceQuotaHard, tenantLimitRange, tenantResourceQuota } from "./resourceLimits";
import { type PodSecurityLevel, TENANT_LABEL, tenantNamespaces } from "./tenancy";

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
   * A next deploy key, made but not yet used by Flux, for a key added to the repository by
   * hand: DeployKey's `stagedGeneration`. None by default.
   */
  readonly stagedKeyGeneration?: number;
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
  /**
   * A ResourceQuota's `hard` map for the workload namespace, such as
   * `{ "requests.cpu": "4", pods: "50" }`. None by default.
   */
  readonly resourceQuota?: ResourceQuotaHard;
  /** Default requests and limits for containers in the workload namespace. None by default. */
  readonly limitRange?: ContainerDefaults;
  /**
   * Refuse ingress into the workload namespace from other tenants' namespaces (a NetworkPolicy;
   * see networkIsolation.ts for what else it refuses). Defaults to false.
   */
  readonly networkPolicy?: boolean;
  /**
   * The DNS domains whose names, subdomains included, the tenant may claim: in External DNS's
   * hostname annotations on its Services and Ingresses, and in its Ingress hosts (an admission
   * policy; see dnsNames.ts). An empty list lets it claim none. Left out, the tenant may claim
   * any name, another tenant's or the platform's included, wherever External DNS or a shared
   * ingress controller reads it.
   */
  readonly dnsDomains?: readonly string[];
  /**
   * External DNS's `--annotation-prefix`, when it is not the default, such as `dns.acme.io/`.
   * The default and the legacy prefix are always checked. Used only with `dnsDomains`.
   */
  readonly externalDnsAnnotationPrefix?: string;
}

/**
 * One locked-down Flux tenant: its two namespaces, a ServiceAccount with `admin` in the workload
 * namespace only, its own deploy key, a GitRepository and Kustomization that run as that
 * ServiceAccount, and an admission policy that refuses Services with externalIPs in its
 * namespaces. Optionally a ResourceQuota, container defaults and a NetworkPolicy keeping other
 * tenants out. Nothing cluster-wide is granted.
 */
export class ApplicationFlux extends pulumi.ComponentResource {
  /** The namespace holding the tenant's Flux objects, once it exists. */
  public readonly fluxNamespace: pulumi.Output<string>;
  /** The namespace the tenant's workloads are applied into, once it exists. */
  public readonly workloadNamespace: pulumi.Output<string>;
  public readonly deployKey: DeployKey;

  constructor(name: string, args: ApplicationFluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:applicationFlux:ApplicationFlux", name, {}, opts);
    const label = componentLabel("ApplicationFlux", name);

    const settled = settleFluxSource(args, applicationFluxDefaults, gitHubProviderOf(this));
    if ("problem" in settled) throw argumentError(this, label, settled.argument, settled.problem);
    const { source, knownHosts, keyGeneration, stagedKeyGeneration, registerDeployKey } = settled;
    const unusable = resourceLimitsProblem(args) ?? dnsNamesProblem(args);
    if (unusable !== undefined) {
      throw argumentError(this, label, unusable.argument, unusable.problem);
    }

    const tenant = args.name ?? name;
    const namespaces = tenantNamespaces(tenant);
    const podSecurity = args.podSecurity ?? applicationFluxDefaults.podSecurity;
    const fluxNamespace = new k8s.core.v1.Namespace(
      `${name}-flux-namespace`,
      ownedByThisStack(tenantNamespace(tenant, namespaces.flux, podSecurity)),
      { parent: this },
    );
    const workloadNamespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      ownedByThisStack(tenantNamespace(tenant, namespaces.workloads, podSecurity)),
      { parent: this },
    );
    this.fluxNamespace = fluxNamespace.metadata.name;
    this.workloadNamespace = workloadNamespace.metadata.name;

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      tenantServiceAccount(tenant, fluxNamespace.metadata.name),
      { parent: this },
    );
    // Only the workload namespace: the Kustomization puts every object there (targetNamespace),
    // and kustomize-controller reads the Flux namespace (sources, decryption and substitution
    // inputs) as itself, not as the tenant. Nothing the tenant's repository holds, and nothing
    // the tenant's ServiceAccount does, needs `<name>-flux`.
    const adminBinding = new k8s.rbac.v1.RoleBinding(
      `${name}-workloads-admin`,
      tenantAdminBinding({
        tenant,
        namespace: workloadNamespace.metadata.name,
        serviceAccount: { name: serviceAccount.metadata.name, namespace: namespaces.flux },
      }),
      { parent: this },
    );
    const guardrails = this.guardrails(name, tenant, workloadNamespace.metadata.name, args);

    this.deployKey = new DeployKey(
      `${name}-deploy-key`,
      {
        repository: source.repository,
        title: pulumi.interpolate`k8s-flux ${args.clusterName} ${tenant}`,
        readOnly: true,
        knownHosts,
        secretName: `${tenant}-deploy-key`,
        secretNamespace: fluxNamespace.metadata.name,
        labels: { [TENANT_LABEL]: tenant },
        generation: keyGeneration,
        ...(stagedKeyGeneration !== undefined ? { stagedGeneration: stagedKeyGeneration } : {}),
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
      // The tenant's first sync finds its RBAC and every guardrail in place.
      { parent: this, dependsOn: [gitRepository, adminBinding, ...guardrails] },
    );

    this.registerOutputs({
      fluxNamespace: this.fluxNamespace,
      workloadNamespace: this.workloadNamespace,
      deployKey: this.deployKey,
    });
  }

  /**
   * What holds the tenant in besides RBAC: the admission policies on its namespaces against
   * externalIPs and dependencies in other namespaces, always; the one on its DNS names, and the
   * quota, container defaults and network policy of its workload namespace, when asked.
   */
  private guardrails(
    name: string,
    tenant: string,
    namespace: pulumi.Output<string>,
    args: ApplicationFluxArgs,
  ): pulumi.Resource[] {
    const guardrails: pulumi.Resource[] = [
      ...this.boundPolicy(
        `${name}-no-external-ips`,
        tenantExternalIpsPolicy(tenant),
        tenantExternalIpsPolicyBinding(tenant),
      ),
      ...this.boundPolicy(
        `${name}-no-foreign-dependencies`,
        tenantForeignDependenciesPolicy(tenant),
        tenantPolicyBinding(tenant, foreignDependenciesPolicyName(tenant)),
      ),
    ];
    if (args.dnsDomains !== undefined) {
      guardrails.push(
        ...this.boundPolicy(
          `${name}-dns-names`,
          tenantDnsNamesPolicy({
            tenant,
            domains: args.dnsDomains,
            ...(args.externalDnsAnnotationPrefix
              ? { annotationPrefix: args.externalDnsAnnotationPrefix }
              : {}),
          }),
          tenantPolicyBinding(tenant, dnsNamesPolicyName(tenant)),
        ),
      );
    }
    if (args.resourceQuota !== undefined) {
      guardrails.push(
        new k8s.core.v1.ResourceQuota(
          `${name}-quota`,
          tenantResourceQuota({ tenant, namespace, hard: args.resourceQuota }),
          { parent: this },
        ),
      );
    }
    if (args.limitRange !== undefined) {
      guardrails.push(
        new k8s.core.v1.LimitRange(
          `${name}-container-defaults`,
          tenantLimitRange({ tenant, namespace, defaults: args.limitRange }),
          { parent: this },
        ),
      );
    }
    if (args.networkPolicy ?? applicationFluxDefaults.networkPolicy) {
      guardrails.push(
        new k8s.networking.v1.NetworkPolicy(
          `${name}-network-policy`,
          tenantNetworkPolicy({ tenant, namespace }),
          { parent: this },
        ),
      );
    }
    return guardrails;
  }

  /** A policy and its binding, named `<name>` and `<name>-binding`. */
  private boundPolicy(
    name: string,
    policy: Built<k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs>,
    binding: Built<k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs>,
  ): pulumi.Resource[] {
    const created = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      name,
      appliedWithForce(policy),
      { parent: this },
    );
    return [
      created,
      new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        `${name}-binding`,
        appliedWithForce(binding),
        {
          parent: this,
          dependsOn: [created],
        },
      ),
    ];
  }
}

/** What a pure builder here returns: plain metadata, which this file may add to. */
type Built<Args> = Args & {
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
};

/**
 * Tells the Kubernetes provider to apply the object with Server-Side Apply's force. An admission
 * policy's match rules are atomic fields that the API server fills with defaults, so when an
 * interrupted update (Ctrl-C, a kill) created the object but never recorded it, creating it again
 * under a new field manager stops at a conflict with the old one. These objects are the
 * program's alone, named after the tenant, and a change made to them by hand is one to undo.
 */
function appliedWithForce<Args extends Built<object>>(args: Args): Args {
  return {
    ...args,
    metadata: { ...args.metadata, annotations: { "pulumi.com/patchForce": "true" } },
  };
}

/** The first unusable DNS domain or annotation prefix, named as the argument, or undefined. */
function dnsNamesProblem(
  args: ApplicationFluxArgs,
): { argument: string; problem: string } | undefined {
  for (const [index, domain] of (args.dnsDomains ?? []).entries()) {
    const problem = domainFilterProblem(domain);
    if (problem !== undefined) return { argument: `dnsDomains[${index}]`, problem };
  }
  const prefix = args.externalDnsAnnotationPrefix;
  const problem = prefix === undefined ? undefined : annotationPrefixProblem(prefix);
  return problem === undefined ? undefined : { argument: "externalDnsAnnotationPrefix", problem };
}

/** The first unusable quota or container default, named as the argument, or undefined. */
function resourceLimitsProblem(
  args: ApplicationFluxArgs,
): { argument: string; problem: string } | undefined {
  const { resourceQuota, limitRange } = args;
  if (resourceQuota !== undefined) {
    if (Object.keys(resourceQuota).length === 0) {
      return { argument: "resourceQuota", problem: "is empty; expected at least one resource" };
    }
    const [first] = resourceQuotaProblems(resourceQuota);
    if (first !== undefined) {
      return { argument: `resourceQuota[${quoted(first.key)}]`, problem: first.problem };
    }
  }
  if (limitRange !== undefined) {
    const given = Object.keys({ ...limitRange.default, ...limitRange.defaultRequest });
    if (given.length === 0) {
      return { argument: "limitRange", problem: "is empty; expected default or defaultRequest" };
    }
    const [first] = containerDefaultsProblems(limitRange);
    if (first !== undefined) {
      const [field, resource] = first.path;
      return {
        argument: `limitRange.${field}[${quoted(resource)}]`,
        problem: first.problem,
      };
    }
  }
  return undefined;
}
