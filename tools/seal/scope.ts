/**
 * Sealing scopes. The scope decides the RSA-OAEP label a value is sealed with, so it decides
 * where the controller agrees to unseal it; the annotations tell the controller which label to
 * use when it decrypts.
 */

export const SCOPES = ["strict", "namespace-wide", "cluster-wide"] as const;
export type Scope = (typeof SCOPES)[number];

export const NAMESPACE_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/namespace-wide";
export const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * strict binds a value to `<namespace>/<name>`, namespace-wide to `<namespace>`, and
 * cluster-wide to nothing at all (the empty label), exactly as the controller computes it.
 */
export function encryptionLabel(scope: Scope, namespace: string, name: string): Buffer {
  switch (scope) {
    case "cluster-wide":
      return Buffer.alloc(0);
    case "namespace-wide":
      return Buffer.from(namespace, "utf8");
    case "strict":
      return Buffer.from(`${namespace}/${name}`, "utf8");
  }
}

/** The scope annotations say: cluster-wide wins over namespace-wide; neither means strict. */
export function scopeFromAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
): Scope {
  if (annotations?.[CLUSTER_WIDE_ANNOTATION] === "true") return "cluster-wide";
  if (annotations?.[NAMESPACE_WIDE_ANNOTATION] === "true") return "namespace-wide";
  return "strict";
}

/** Whether the annotations name a scope at all, as opposed to falling back to strict. */
export function declaresScope(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return (
    annotations?.[CLUSTER_WIDE_ANNOTATION] === "true" ||
    annotations?.[NAMESPACE_WIDE_ANNOTATION] === "true"
  );
}

/** A copy of the annotations whose scope annotations say `scope` and nothing else. */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>>,
  scope: Scope,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (key !== NAMESPACE_WIDE_ANNOTATION && key !== CLUSTER_WIDE_ANNOTATION) result[key] = value;
  }
  if (scope === "namespace-wide") result[NAMESPACE_WIDE_ANNOTATION] = "true";
  if (scope === "cluster-wide") result[CLUSTER_WIDE_ANNOTATION] = "true";
  return result;
}
