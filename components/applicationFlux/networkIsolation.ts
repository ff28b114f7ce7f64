/**
 * The optional network boundary between tenants, as a pure builder: a NetworkPolicy in the
 * tenant's workload namespace that admits traffic from every pod except other tenants' pods.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { tenantLabels } from "./manifests";
import { TENANT_LABEL } from "./tenancy";

/**
 * Ingress only, from two kinds of namespace: the tenant's own, and every namespace that belongs
 * to no tenant (ingress controllers, monitoring, flux-system, kube-system). Egress is left open,
 * so DNS and the tenant's own calls out keep working. Traffic that comes from no pod (load
 * balancers that target pod IPs, NodePorts, host-network pods on other nodes) matches neither
 * rule and is refused; the tenant may allow it with a NetworkPolicy of its own, since
 * NetworkPolicies only ever add what they allow.
 */
export function tenantNetworkPolicy(args: {
  readonly tenant: string;
  readonly namespace: pulumi.Input<string>;
}) {
  return {
    metadata: {
      name: "k8s-flux-deny-other-tenants",
      namespace: args.namespace,
      labels: tenantLabels(args.tenant),
    },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { [TENANT_LABEL]: args.tenant } } },
            {
              namespaceSelector: {
                matchExpressions: [{ key: TENANT_LABEL, operator: "DoesNotExist" }],
              },
            },
          ],
        },
      ],
    },
  } satisfies k8s.networking.v1.NetworkPolicyArgs;
}
