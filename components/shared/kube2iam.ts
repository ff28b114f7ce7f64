/**
 * Which IAM roles the pods of a namespace may get from a node-level credential proxy: kube2iam,
 * or kiam, which reads the same pod annotation (`iam.amazonaws.com/role`). Either proxy assumes
 * the role a pod names with the nodes' own credentials, so without these namespace annotations
 * any pod that names a role gets it. The proxies read them only when told to: kube2iam with
 * `--namespace-restrictions`, kiam always.
 *
 * kube2iam (mappings/mapper.go, checkRoleForNamespace; namespace.go, GetNamespaceRoleAnnotation)
 * reads `iam.amazonaws.com/allowed-roles` as a JSON list of patterns, each matched against the
 * full ARN of the role the pod asks for. A pattern that does not start with `arn:` is prefixed
 * with kube2iam's base role ARN first. In the default `--namespace-restriction-format=glob`, a
 * pattern without `*` matches only itself, and an empty list permits nothing.
 *
 * kiam (pkg/server/policy.go, NamespacePermittedRoleNamePolicy) reads `iam.amazonaws.com/permitted`
 * as one regular expression matched against the role's ARN, anchored only in its strict mode.
 */

export const KUBE2IAM_ALLOWED_ROLES = "iam.amazonaws.com/allowed-roles";
export const KIAM_PERMITTED = "iam.amazonaws.com/permitted";

/** `text` as a regular expression that matches exactly it, in RE2 (Go) as in JavaScript. */
const literalPattern = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A namespace whose pods may get exactly this role (a full ARN) through either proxy. */
export function onlyRoleAnnotations(roleArn: string): Record<string, string> {
  return {
    [KUBE2IAM_ALLOWED_ROLES]: JSON.stringify([roleArn]),
    [KIAM_PERMITTED]: `^${literalPattern(roleArn)}$`,
  };
}

/**
 * A namespace whose pods may get no role through either proxy: an empty list, and an expression
 * that matches only the empty string, which no role ARN is. Tenants cannot change these:
 * namespaces are cluster-scoped, and a tenant is `admin` only inside its own.
 */
export const NO_ROLE_ANNOTATIONS: Readonly<Record<string, string>> = {
  [KUBE2IAM_ALLOWED_ROLES]: "[]",
  [KIAM_PERMITTED]: "^$",
};
