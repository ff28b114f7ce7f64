/**
 * What a tenant may not create even inside its own namespaces, where it is `admin`: admission
 * rules the API server enforces for every user, as pure builders of a ValidatingAdmissionPolicy
 * against Services with externalIPs, and of the binding that applies any of the tenant's
 * policies (this one, foreignDependencies.ts, dnsNames.ts) to its namespaces.
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

/**
 * Refuses Services with externalIPs (CVE-2020-8554): with them, anyone who may create a Service
 * can intercept traffic for any address, cluster-wide. `admin` includes creating Services, so
 * RBAC cannot stop it; admission can. Creates and updates alike, so a Service cannot gain them
 * later.
 */
export function tenantExternalIpsPolicy(tenant: string) {
  return {
    metadata: { name: externalIpsPolicyName(tenant), labels: tenantLabels(tenant) },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [""],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["services"],
          },
        ],
      },
      validations: [
        {
          expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
          message: externalIpsRefusal(tenant),
          reason: "Forbidden",
        },
      ],
    },
  } satisfies k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs;
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
