/**
 * Flux's objects as the API server holds them, read the way `flux get all -A` shows them: every
 * source (whatever kinds source-controller serves), every Kustomization, and the Flux Operator's
 * FluxInstance and ResourceSets, each with its Ready condition and revisions.
 */
import { type KubeApi, statusMessage } from "../../kube/api";
import { GitOpsError } from "../errors";

export const SOURCE_GROUP = "source.toolkit.fluxcd.io";
export const KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io";
export const OPERATOR_GROUP = "fluxcd.controlplane.io";

export type FluxObjectCategory = "source" | "kustomization" | "operator";

export interface FluxObjectStatus {
  readonly category: FluxObjectCategory;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The Ready condition's status: "True", "False" or "Unknown" (also when there is none yet). */
  readonly ready: "True" | "False" | "Unknown";
  readonly reason: string | null;
  readonly message: string | null;
  /** Kustomizations: the revision last tried, whether or not it was applied. */
  readonly lastAttemptedRevision: string | null;
  /** Kustomizations: the revision last applied; FluxInstances: the distribution last applied. */
  readonly lastAppliedRevision: string | null;
  /** Sources: the revision of the artifact they serve. */
  readonly artifactRevision: string | null;
  readonly suspended: boolean;
  /** The last `reconcile.fluxcd.io/requestedAt` value the controller has handled. */
  readonly lastHandledReconcileAt: string | null;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface FluxObject {
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec?: { suspend?: boolean };
  status?: {
    conditions?: Condition[];
    lastAttemptedRevision?: string;
    lastAppliedRevision?: string;
    artifact?: { revision?: string };
    lastHandledReconcileAt?: string;
  };
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

/** The group's preferred version and the kinds it serves that can be listed; none when absent. */
async function listableKinds(
  api: KubeApi,
  group: string,
): Promise<{ groupVersion: string; plural: string }[]> {
  const groupResponse = await api.get(`/apis/${group}`);
  if (groupResponse.status === 404) return [];
  const preferred = (groupResponse.body as { preferredVersion?: { groupVersion?: string } })
    ?.preferredVersion?.groupVersion;
  if (groupResponse.status !== 200 || !preferred) {
    throw new GitOpsError(
      `discovery of ${group}: ${groupResponse.status} ${statusMessage(groupResponse)}`,
    );
  }
  const response = await api.get(`/apis/${preferred}`);
  if (response.status !== 200) {
    throw new GitOpsError(
      `discovery of ${preferred}: ${response.status} ${statusMessage(response)}`,
    );
  }
  return (response.body as ApiResourceList).resources
    .filter((resource) => !resource.name.includes("/") && resource.verbs.includes("list"))
    .map((resource) => ({ groupVersion: preferred, plural: resource.name }));
}

function statusOf(category: FluxObjectCategory, object: FluxObject): FluxObjectStatus {
  const ready = object.status?.conditions?.find((condition) => condition.type === "Ready");
  const readyStatus =
    ready?.status === "True" || ready?.status === "False" ? ready.status : "Unknown";
  return {
    category,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    ready: readyStatus,
    reason: ready?.reason ?? null,
    message: ready?.message ?? null,
    lastAttemptedRevision: object.status?.lastAttemptedRevision ?? null,
    lastAppliedRevision: object.status?.lastAppliedRevision ?? null,
    artifactRevision: object.status?.artifact?.revision ?? null,
    // The operator pauses its objects by annotation; Flux's own by spec.suspend.
    suspended:
      object.spec?.suspend === true ||
      object.metadata.annotations?.["fluxcd.controlplane.io/reconcile"] === "disabled",
    lastHandledReconcileAt: object.status?.lastHandledReconcileAt ?? null,
  };
}

async function listCategory(
  api: KubeApi,
  category: FluxObjectCategory,
  group: string,
  only?: readonly string[],
): Promise<FluxObjectStatus[]> {
  const found: FluxObjectStatus[] = [];
  for (const { groupVersion, plural } of await listableKinds(api, group)) {
    if (only && !only.includes(plural)) continue;
    const response = await api.get(`/apis/${groupVersion}/${plural}`);
    if (response.status !== 200) {
      throw new GitOpsError(
        `listing ${plural}.${group}: ${response.status} ${statusMessage(response)}`,
      );
    }
    const list = response.body as { items: FluxObject[] };
    for (const item of list.items) found.push(statusOf(category, item));
  }
  return found;
}

const byPlace = (a: FluxObjectStatus, b: FluxObjectStatus): number =>
  a.namespace.localeCompare(b.namespace) ||
  a.kind.localeCompare(b.kind) ||
  a.name.localeCompare(b.name);

/** Every Flux source, Kustomization, FluxInstance and ResourceSet, sorted by place. */
export async function listFluxObjects(api: KubeApi): Promise<FluxObjectStatus[]> {
  return [
    ...(await listCategory(api, "source", SOURCE_GROUP)).sort(byPlace),
    ...(await listCategory(api, "kustomization", KUSTOMIZE_GROUP)).sort(byPlace),
    ...(
      await listCategory(api, "operator", OPERATOR_GROUP, ["fluxinstances", "resourcesets"])
    ).sort(byPlace),
  ];
}

/** One object's status, or undefined while it does not exist. */
export async function fluxObjectStatus(
  api: KubeApi,
  ref: FluxObjectRef,
): Promise<FluxObjectStatus | undefined> {
  const response = await api.get(fluxObjectPath(ref));
  if (response.status === 404) return undefined;
  if (response.status !== 200) {
    throw new GitOpsError(
      `reading ${ref.kind} ${ref.namespace}/${ref.name}: ${response.status} ${statusMessage(response)}`,
    );
  }
  const category: FluxObjectCategory =
    ref.kind === "Kustomization"
      ? "kustomization"
      : ref.kind in OPERATOR_KINDS
        ? "operator"
        : "source";
  return statusOf(category, response.body as FluxObject);
}

/** A Flux object by kind, namespace and name. */
export interface FluxObjectRef {
  readonly kind: "GitRepository" | "Kustomization" | "ResourceSet" | "FluxInstance";
  readonly namespace: string;
  readonly name: string;
}

const OPERATOR_KINDS = { ResourceSet: "resourcesets", FluxInstance: "fluxinstances" } as const;

export function fluxObjectPath(ref: FluxObjectRef): string {
  const [groupVersion, plural] =
    ref.kind === "GitRepository"
      ? [`${SOURCE_GROUP}/v1`, "gitrepositories"]
      : ref.kind === "Kustomization"
        ? [`${KUSTOMIZE_GROUP}/v1`, "kustomizations"]
        : [`${OPERATOR_GROUP}/v1`, OPERATOR_KINDS[ref.kind]];
  return `/apis/${groupVersion}/namespaces/${ref.namespace}/${plural}/${ref.name}`;
}
