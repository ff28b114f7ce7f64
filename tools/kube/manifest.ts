/** A Kubernetes object as the API server gets it, and what its apiVersion says about it. */

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object. */
export const describeObject = (manifest: Manifest): string =>
  `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ""}${manifest.metadata.name}`;

/** The API group of an apiVersion: `""` for the core group (`v1`). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

/**
 * Whether Kubernetes serves this group itself. Built-in groups are the core group, single words
 * (`apps`, `batch`, `policy`) and `*.k8s.io`; anything else (`bitnami.com`, `*.fluxcd.io`) comes
 * from a CRD.
 */
export function isBuiltInGroup(group: string): boolean {
  return group === "" || !group.includes(".") || group.endsWith(".k8s.io");
}
