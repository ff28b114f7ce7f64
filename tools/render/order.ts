/**
 * The order in which rendered objects can be applied to an empty cluster: what others live in or
 * refer to comes first, custom resources come after every CRD. Within a step, an object follows
 * the objects the program made it depend on, then kind, namespace and name keep it stable.
 */
import { apiGroupOf, isBuiltInGroup } from "../kube/manifest";

/** Apply steps, in order. Each built-in kind the program makes must appear in exactly one. */
const STEPS: readonly (readonly string[])[] = [
  ["Namespace", "CustomResourceDefinition"],
  // Admission and namespace policies come before anything they govern.
  [
    "ServiceAccount",
    "ClusterRole",
    "Role",
    "ValidatingAdmissionPolicy",
    "ResourceQuota",
    "LimitRange",
    "NetworkPolicy",
  ],
  ["ClusterRoleBinding", "RoleBinding", "ValidatingAdmissionPolicyBinding"],
  ["Secret", "ConfigMap"],
  ["Service"],
  ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"],
  ["APIService"],
];

/** The step of objects served by a CRD rather than by Kubernetes itself. */
export const CUSTOM_RESOURCE_STEP = STEPS.length;

/** The apply step of an object, or an error for a built-in kind no step lists. */
export function applyStep(apiVersion: string, kind: string): number {
  if (!isBuiltInGroup(apiGroupOf(apiVersion))) return CUSTOM_RESOURCE_STEP;
  const step = STEPS.findIndex((kinds) => kinds.includes(kind));
  if (step === -1) {
    throw new Error(
      `no apply step for ${apiVersion} ${kind}; add it to STEPS in tools/render/order.ts`,
    );
  }
  return step;
}

export interface Orderable {
  readonly key: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Keys of other orderable objects this one must follow. Unknown keys are ignored. */
  readonly dependsOn: readonly string[];
}

/**
 * Sorts objects into apply order. Throws when an object depends on one that a later step holds:
 * that order could not be applied, and the step table needs fixing.
 */
export function applyOrder<T extends Orderable>(objects: readonly T[]): T[] {
  const byKey = new Map(objects.map((object) => [object.key, object]));
  const depth = new Map<string, number>();
  const depthOf = (object: T, path: readonly string[]): number => {
    const known = depth.get(object.key);
    if (known !== undefined) return known;
    if (path.includes(object.key)) {
      throw new Error(`dependency cycle: ${[...path, object.key].join(" -> ")}`);
    }
    let deepest = -1;
    for (const key of object.dependsOn) {
      const dependency = byKey.get(key);
      if (dependency) deepest = Math.max(deepest, depthOf(dependency, [...path, object.key]));
    }
    depth.set(object.key, deepest + 1);
    return deepest + 1;
  };

  const keyed = objects.map((object) => ({
    object,
    step: applyStep(object.apiVersion, object.kind),
    depth: depthOf(object, []),
  }));
  const stepOf = new Map(keyed.map(({ object, step }) => [object.key, step]));
  for (const { object, step } of keyed) {
    for (const key of object.dependsOn) {
      const dependencyStep = stepOf.get(key);
      if (dependencyStep !== undefined && dependencyStep > step) {
        throw new Error(
          `${describe(object)} depends on ${describe(byKey.get(key) as T)}, which a later apply step holds; fix STEPS in tools/render/order.ts`,
        );
      }
    }
  }
  return keyed
    .sort(
      (a, b) =>
        a.step - b.step ||
        a.depth - b.depth ||
        compareText(a.object.kind, b.object.kind) ||
        compareText(a.object.namespace ?? "", b.object.namespace ?? "") ||
        compareText(a.object.name, b.object.name),
    )
    .map(({ object }) => object);
}

/** Plain code-unit order, the same in every locale. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function describe(object: Orderable): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;
}
