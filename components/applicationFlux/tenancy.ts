/**
 * What a tenant is, as plain data: the namespaces it owns and the Pod Security level it is held
 * to. Shared by the config schema and the ApplicationFlux component, without loading either.
 */

/**
 * The Pod Security Standards a tenant may be held to. `privileged` is deliberately absent: with
 * `admin` in its namespaces, a tenant allowed privileged, hostPath or hostNetwork pods could take
 * over the node they run on, and from there the cluster.
 */
export const podSecurityLevels = ["baseline", "restricted"] as const;
export type PodSecurityLevel = (typeof podSecurityLevels)[number];

/**
 * Pod Security Admission labels for a tenant namespace: `level` is enforced, and `restricted`
 * is audited and warned about, so tenants see what the stricter level would reject.
 *
 * Tenants cannot remove or relax these labels: Namespace is cluster-scoped, and the `admin`
 * ClusterRole, bound only by RoleBindings inside the tenant's namespaces, lets it read its own
 * Namespace objects but never update, patch or delete them. A Namespace manifest in the tenant's
 * repository is applied as the tenant's ServiceAccount, so it is refused too.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
  };
}

/**
 * The label naming the tenant on each of its namespaces (and on every object of the tenant). The
 * admission policy and the network policy find tenant namespaces by it; a tenant cannot set it on
 * any namespace, since it can change no Namespace object.
 */
export const TENANT_LABEL = "toolkit.fluxcd.io/tenant";

/** Appended to a tenant's name to name the namespace that holds its Flux objects. */
export const TENANT_FLUX_NAMESPACE_SUFFIX = "-flux";

/** The two namespaces a tenant owns: `<name>` for its workloads, `<name>-flux` for Flux. */
export function tenantNamespaces(name: string): { flux: string; workloads: string } {
  return { flux: `${name}${TENANT_FLUX_NAMESPACE_SUFFIX}`, workloads: name };
}
