/**
 * Dependencies in other namespaces, refused in a tenant's namespaces: a pure builder of the
 * ValidatingAdmissionPolicy; admission.ts binds it.
 *
 * kustomize-controller v1.9.5 reads a Kustomization's `spec.dependsOn` with its own client, in
 * whatever namespace an entry names, and evaluates the entry's `readyExpr` on what it read
 * (`checkDependencies`, internal/controller/kustomization_controller.go); `--no-cross-namespace-refs`
 * guards only the source reference there. The Flux Operator v0.59.0 does the same for a
 * ResourceSet's `spec.dependsOn`, of any kind, with its own cluster-admin client, dropping only a
 * Secret's `data` from another namespace (`checkDependencies`,
 * internal/controller/resourceset_controller.go). Either way a tenant could read any object of
 * another namespace, one true-or-false answer at a time, in its own object's Ready message: another
 * tenant's ConfigMaps, the platform's Kustomizations and their substitutions. helm-controller's
 * HelmRelease `spec.dependsOn` takes a namespace in the same way.
 */
import { type CheckedKind, tenantPolicy } from "./admission";

/** The policy's and its binding's name; cluster-scoped, so it names the tenant. */
export const foreignDependenciesPolicyName = (tenant: string): string =>
  `k8s-flux-${tenant}-no-foreign-dependencies`;

/**
 * The kinds whose `spec.dependsOn` entries may name a namespace, in every served version: an
 * older one is converted to the same stored object.
 */
const WITH_DEPENDENCIES: readonly CheckedKind[] = [
  { apiGroup: "kustomize.toolkit.fluxcd.io", resource: "kustomizations", apiVersions: ["*"] },
  { apiGroup: "helm.toolkit.fluxcd.io", resource: "helmreleases", apiVersions: ["*"] },
  { apiGroup: "fluxcd.controlplane.io", resource: "resourcesets", apiVersions: ["*"] },
];

/** What a refused tenant reads, after the API server's own prefix. */
export function foreignDependenciesRefusal(tenant: string): string {
  return `spec.dependsOn may name only objects in the object's own namespace in the namespaces of tenant ${tenant}: kustomize-controller and the Flux Operator read a dependency with their own cluster-wide access and evaluate its readyExpr on it; expected no namespace, or the object's own`;
}

/**
 * Refuses a Kustomization, HelmRelease or ResourceSet that gains a `spec.dependsOn` entry in
 * another namespace, on create and update. An entry without a namespace stays in the object's own.
 *
 * On update, an entry the object already had, word for word, is no new question: the controllers
 * read an existing object's dependencies whatever admission says of its next change, so refusing
 * the entry again holds nothing back, and would only keep an object made before the policy from
 * being annotated, patched or finalized (a pruned Kustomization would stay Terminating).
 */
export function tenantForeignDependenciesPolicy(tenant: string) {
  return tenantPolicy(tenant, foreignDependenciesPolicyName(tenant), WITH_DEPENDENCIES, [
    {
      // Indexed, not selected: `namespace` is a reserved word in CEL, and its escaped form
      // `__namespace__` found nothing in these objects on Kubernetes 1.36, so a check written
      // with `has(dependency.__namespace__)` would let every entry through. `oldObject` is
      // null on create, hence the operation first.
      expression:
        "!has(object.spec.dependsOn) || object.spec.dependsOn.all(dependency, !('namespace' in dependency) || dependency['namespace'] == '' || dependency['namespace'] == request.namespace || (request.operation == 'UPDATE' && has(oldObject.spec) && has(oldObject.spec.dependsOn) && oldObject.spec.dependsOn.exists(held, held == dependency)))",
      message: foreignDependenciesRefusal(tenant),
    },
  ]);
}
