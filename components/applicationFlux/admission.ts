/**
 * What a tenant may not create even inside its own namespaces, where it is `admin`: admission
 * rules the API server enforces for every user, as pure builders of the shell every tenant policy
 * shares, of the policy against Services with externalIPs, and of the binding that applies any of
 * the tenant's policies (this one, foreignDependencies.ts, dnsNames.ts) to its namespaces.
 */
import type * as k8s from "@pulumi/kubernetes";
import { tenantLabels } from "./manifests";
import { TENANT_LABEL } from "./tenancy";

/** The policy's and its binding's name; cluster-scoped, so it names the tenant. */
export const externalIpsPolicyName = (tenant: string): string =>
  `k8s-flux-${tenant}-no-external-ips`;

/** What a refused tenant reads, after the API server's own prefix. */
export function externalIpsRefusal(tenant: string): string {
  return `Service.spec.externalIPs is not allowed in the namespaces of tenant ${tenant}: a Service with externalIPs takes the traffic every pod and node sends to those addresses (CVE-2020-8554); expected a ClusterIP, NodePort or LoadBalancer Service, or an Ingress`;
}

/** A kind one of the tenant's policies checks, on create and update. */
export interface CheckedKind {
  readonly apiGroup: string;
  readonly resource: string;
  /** Defaults to `["v1"]`. */
  readonly apiVersions?: readonly string[];
}

/** One CEL check of a policy, and what a tenant it refuses reads. */
export interface PolicyCheck {
  readonly expression: string;
  readonly message: string;
}

/**
 * The shell every policy of the tenant's shares: named after the tenant and labelled as its,
 * failing closed, matching creates and updates of `kinds`, and refusing with `Forbidden` what
 * fails any of `checks` (with `variables` they may read).
 */
export function tenantPolicy(
  tenant: string,
  name: string,
  kinds: readonly CheckedKind[],
  checks: readonly PolicyCheck[],
  variables: readonly { readonly name: string; readonly expression: string }[] = [],
) {
  return {
    metadata: { name, labels: tenantLabels(tenant) },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: kinds.map(({ apiGroup, resource, apiVersions = ["v1"] }) => ({
          apiGroups: [apiGroup],
          apiVersions: [...apiVersions],
          operations: ["CREATE", "UPDATE"],
          resources: [resource],
        })),
      },
      ...(variables.length > 0 ? { variables: [...variables] } : {}),
      validations: checks.map((check) => ({ ...check, reason: "Forbidden" })),
    },
  } satisfies k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs;
}

/** Services, which the externalIPs and DNS names policies check. */
export const SERVICES: CheckedKind = { apiGroup: "", resource: "services" };

/**
 * Refuses Services with externalIPs (CVE-2020-8554): with them, anyone who may create a Service
 * can intercept traffic for any address, cluster-wide. `admin` includes creating Services, so
 * RBAC cannot stop it; admission can. Creates and updates alike, so a Service cannot gain them
 * later.
 */
export function tenantExternalIpsPolicy(tenant: string) {
  return tenantPolicy(
    tenant,
    externalIpsPolicyName(tenant),
    [SERVICES],
    [
      {
        expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
        message: externalIpsRefusal(tenant),
      },
    ],
  );
}

/** Applies the externalIPs policy in the tenant's namespaces. */
export const tenantExternalIpsPolicyBinding = (tenant: string) =>
  tenantPolicyBinding(tenant, externalIpsPolicyName(tenant));

/**
 * Applies one of the tenant's policies, named as its binding, in the namespaces labelled as this
 * tenant's, and only there: the label is on both of its namespaces, and the tenant cannot put it
 * on, or take it off, any namespace.
 */
export function tenantPolicyBinding(tenant: string, policyName: string) {
  return {
    metadata: { name: policyName, labels: tenantLabels(tenant) },
    spec: {
      policyName,
      validationActions: ["Deny"],
      matchResources: { namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenant } } },
    },
  } satisfies k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs;
}
