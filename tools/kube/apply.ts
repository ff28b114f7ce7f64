/**
 * Applying objects to a control plane the way a deploy would: server-side, one at a time, in
 * order, each custom resource only once its CRD is Established. Rejections are collected, not
 * thrown, so one run reports every object the server refused. And deleting them again.
 */
import { type KubeApi, statusMessage } from "./api";
import { apiGroupOf, describeObject, isBuiltInGroup, type Manifest } from "./manifest";
import { waitFor, within } from "./waitFor";

export interface Rejection {
  /** `Kind namespace/name` */
  readonly object: string;
  readonly status: number;
  readonly message: string;
}

export interface ApplyResult {
  readonly applied: readonly Manifest[];
  readonly rejections: readonly Rejection[];
  /** Warning headers, by object. */
  readonly warnings: readonly string[];
}

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/** How long a CRD may take to be Established, or discovery to list its kind. */
const CRD_TIMEOUT_MS = 60_000;
/** How long a deleted object (a namespace with contents) may take to be gone. */
const DELETE_TIMEOUT_MS = 120_000;

export const formatRejection = (rejection: Rejection): string =>
  `${rejection.object}: ${rejection.status} ${rejection.message}`;

/** Applies each object in turn; a custom resource waits for its CRD first. */
export async function applyInOrder(
  api: KubeApi,
  manifests: readonly Manifest[],
): Promise<ApplyResult> {
  const applied: Manifest[] = [];
  const rejections: Rejection[] = [];
  const warnings: string[] = [];
  for (const manifest of manifests) {
    const group = apiGroupOf(manifest.apiVersion);
    if (!isBuiltInGroup(group)) {
      const crd = await crdServing(api, group, manifest.kind);
      if (!crd) {
        rejections.push({
          object: describeObject(manifest),
          status: 0,
          message: `no CRD serves ${manifest.kind} in ${group}`,
        });
        continue;
      }
      await waitForEstablished(api, crd);
      await waitFor(
        async () =>
          (await api.resource(manifest.apiVersion, manifest.kind)) !== undefined ||
          `discovery does not list ${manifest.kind} in ${manifest.apiVersion} yet`,
        { deadline: within(CRD_TIMEOUT_MS) },
      );
    }
    const response = await api.apply(manifest);
    warnings.push(...response.warnings.map((warning) => `${describeObject(manifest)}: ${warning}`));
    if (response.status === 200 || response.status === 201) {
      applied.push(manifest);
    } else {
      rejections.push({
        object: describeObject(manifest),
        status: response.status,
        message: statusMessage(response),
      });
    }
  }
  return { applied, rejections, warnings };
}

/** The name of the CRD that defines `kind` in `group`, if the server has one. */
async function crdServing(api: KubeApi, group: string, kind: string): Promise<string | undefined> {
  const response = await api.get(CRDS);
  const list = response.body as {
    items: { metadata: { name: string }; spec: { group: string; names: { kind: string } } }[];
  };
  return list.items.find((crd) => crd.spec.group === group && crd.spec.names.kind === kind)
    ?.metadata.name;
}

export function waitForEstablished(api: KubeApi, crdName: string): Promise<void> {
  return waitFor(
    async () => {
      const response = await api.get(`${CRDS}/${crdName}`);
      const conditions =
        (response.body as { status?: { conditions?: { type: string; status: string }[] } })?.status
          ?.conditions ?? [];
      return (
        conditions.some((c) => c.type === "Established" && c.status === "True") ||
        `CRD ${crdName} is not Established (${response.status}, conditions ${JSON.stringify(conditions)})`
      );
    },
    { deadline: within(CRD_TIMEOUT_MS) },
  );
}

/**
 * Deletes the objects, newest first, and waits until every one is gone; namespaces take their
 * contents with them once the namespace controller has emptied them.
 */
export async function deleteAndWait(api: KubeApi, manifests: readonly Manifest[]): Promise<void> {
  const paths: string[] = [];
  for (const manifest of [...manifests].reverse()) {
    const { apiVersion, kind, metadata } = manifest;
    const path = await api.path(apiVersion, kind, metadata.namespace, metadata.name);
    const response = await api.delete(path);
    if (response.status !== 200 && response.status !== 202 && response.status !== 404) {
      throw new Error(
        `deleting ${describeObject(manifest)}: ${response.status} ${statusMessage(response)}`,
      );
    }
    paths.push(path);
  }
  for (const path of paths) {
    await waitFor(
      async () => {
        const status = (await api.get(path)).status;
        return status === 404 || `${path} still answers ${status} after its deletion`;
      },
      { deadline: within(DELETE_TIMEOUT_MS) },
    );
  }
}
