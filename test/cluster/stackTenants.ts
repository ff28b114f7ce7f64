/**
 * A rendered stack's tenants as the cluster tests need them: which ServiceAccount each one's
 * Kustomization runs as, and which namespaces are its own. And applying objects that must all be
 * accepted, and waiting for a built-in ClusterRole to aggregate a rule.
 */
import { type KubeApi } from "../../tools/kube/api";
import { applyInOrder, formatRejection } from "../../tools/kube/apply";
import type { Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";
import type { ServiceAccountRef } from "./access";

export interface Tenant {
  readonly name: string;
  /** The ServiceAccount its Kustomization runs as, in its Flux namespace. */
  readonly account: ServiceAccountRef;
  /** Where its repository's objects land (`<name>`). */
  readonly workloads: string;
  /** Where its Flux objects and deploy key are (`<name>-flux`). */
  readonly flux: string;
}

/** One tenant per rendered Kustomization, in render order. */
export function tenantsOf(manifests: readonly Manifest[]): Tenant[] {
  return manifests
    .filter((m) => m.kind === "Kustomization")
    .map((kustomization) => {
      const spec = kustomization["spec"] as { serviceAccountName: string; targetNamespace: string };
      const flux = kustomization.metadata.namespace ?? "";
      return {
        name: kustomization.metadata.name,
        account: { namespace: flux, name: spec.serviceAccountName },
        workloads: spec.targetNamespace,
        flux,
      };
    });
}

/** Applies the objects in order; fails, naming each refused object, unless all were accepted. */
export async function applyAll(admin: KubeApi, manifests: readonly Manifest[]): Promise<void> {
  const result = await applyInOrder(admin, manifests);
  if (result.rejections.length > 0) {
    throw new Error(`refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
}

interface Rule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs?: string[];
}

/**
 * Waits until the controller manager has aggregated into ClusterRole `role` a rule granting
 * `verb` on `resource` of `group`.
 */
export function waitForAggregatedRule(
  admin: KubeApi,
  role: string,
  rule: { readonly group: string; readonly resource: string; readonly verb: string },
): Promise<void> {
  return waitFor(
    async () => {
      const response = await admin.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`);
      const rules = (response.body as { rules?: Rule[] }).rules ?? [];
      return (
        rules.some(
          (r) =>
            r.apiGroups?.includes(rule.group) &&
            r.resources?.includes(rule.resource) &&
            r.verbs?.includes(rule.verb),
        ) || `ClusterRole ${role} has no rule for ${rule.verb} ${rule.group}/${rule.resource} yet`
      );
    },
    { deadline: within(60_000) },
  );
}
