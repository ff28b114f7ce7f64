/**
 * Applying rendered objects to the test control plane the way a deploy would: server-side, one
 * at a time, in order, each custom resource only once its CRD is Established. Rejections are
 * collected, not thrown, so one run reports every object the server refused.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { apiGroupOf, isBuiltInGroup } from "../../tools/render/order";
import type { Manifest } from "../../tools/render/render";
import { type KubeApi, statusMessage, waitFor } from "./kubeApi";

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

export const describeObject = (manifest: Manifest): string =>
  `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ""}${manifest.metadata.name}`;

/** The stand-in Flux CRDs (test fixtures), installed and Established. */
export async function installStandInCrds(api: KubeApi): Promise<void> {
  const text = readFileSync(join(__dirname, "fixtures", "standInCrds.yaml"), "utf8");
  const crds = parseAllDocuments(text).map((document) => document.toJS() as Manifest);
  const result = await applyInOrder(api, crds);
  if (result.rejections.length > 0) {
    throw new Error(`stand-in CRDs refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
  for (const crd of crds) await waitForEstablished(api, crd.metadata.name);
}

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
      await waitFor(`discovery to list ${manifest.kind} in ${manifest.apiVersion}`, () =>
        api.resource(manifest.apiVersion, manifest.kind),
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

export const formatRejection = (rejection: Rejection): string =>
  `${rejection.object}: ${rejection.status} ${rejection.message}`;

/** The name of the CRD that defines `kind` in `group`, if the server has one. */
async function crdServing(api: KubeApi, group: string, kind: string): Promise<string | undefined> {
  const response = await api.get(CRDS);
  const list = response.body as {
    items: { metadata: { name: string }; spec: { group: string; names: { kind: string } } }[];
  };
  return list.items.find((crd) => crd.spec.group === group && crd.spec.names.kind === kind)
    ?.metadata.name;
}

export function waitForEstablished(api: KubeApi, crdName: string): Promise<true> {
  return waitFor(`CRD ${crdName} to be Established`, async () => {
    const response = await api.get(`${CRDS}/${crdName}`);
    const conditions =
      (response.body as { status?: { conditions?: { type: string; status: string }[] } })?.status
        ?.conditions ?? [];
    return conditions.some((c) => c.type === "Established" && c.status === "True")
      ? true
      : undefined;
  });
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
      `${path} to be deleted`,
      async () => ((await api.get(path)).status === 404 ? true : undefined),
      120_000,
    );
  }
}
