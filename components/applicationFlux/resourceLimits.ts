/**
 * Optional caps on a tenant's workload namespace, as pure builders: a ResourceQuota on what the
 * namespace may hold in total, and a LimitRange giving containers default requests and limits.
 * The tenant cannot change either: `admin` may only read ResourceQuotas and LimitRanges.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { tenantLabels } from "./manifests";
import type { ContainerDefaults } from "./quantities";

/** A ResourceQuota's `hard` map: amounts by resource name, such as `requests.cpu: "4"`. */
export type ResourceQuotaHard = Readonly<Record<string, string>>;

export function tenantResourceQuota(args: {
  readonly tenant: string;
  readonly namespace: pulumi.Input<string>;
  readonly hard: ResourceQuotaHard;
}) {
  return {
    metadata: {
      name: "k8s-flux-tenant-quota",
      namespace: args.namespace,
      labels: tenantLabels(args.tenant),
    },
    spec: { hard: { ...args.hard } },
  } satisfies k8s.core.v1.ResourceQuotaArgs;
}

export function tenantLimitRange(args: {
  readonly tenant: string;
  readonly namespace: pulumi.Input<string>;
  readonly defaults: ContainerDefaults;
}) {
  const { default: limits, defaultRequest: requests } = args.defaults;
  return {
    metadata: {
      name: "k8s-flux-container-defaults",
      namespace: args.namespace,
      labels: tenantLabels(args.tenant),
    },
    spec: {
      limits: [
        {
          type: "Container",
          ...(limits === undefined ? {} : { default: { ...limits } }),
          ...(requests === undefined ? {} : { defaultRequest: { ...requests } }),
        },
      ],
    },
  } satisfies k8s.core.v1.LimitRangeArgs;
}
