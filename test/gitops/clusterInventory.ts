/**
 * Every object in the cluster, of every kind the API server lists (built-in and custom), and which
 * of them a tenant's commits could have created, deleted or written outside its namespaces. This
 * holds a tenant in whatever its repository contains: it does not know the fixtures' names.
 */
import { type KubeApi, statusMessage } from "../../tools/kube/api";

export interface ClusterObject {
  /** `group/version Kind` */
  readonly type: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
  readonly created: string;
  /**
   * Writes to it other than to its status, as its managedFields record them: each manager's last
   * server-side apply (`Apply`) and last create, update or patch (`Update`), with its time
   * (RFC 3339, whole seconds).
   */
  readonly writes: readonly ClusterWrite[];
}

export interface ClusterWrite {
  readonly manager: string;
  readonly operation: "Apply" | "Update";
  readonly time: string;
}

interface Listed {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    creationTimestamp: string;
    managedFields?: { manager?: string; operation?: string; subresource?: string; time?: string }[];
  };
}

interface ResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; verbs?: string[] }[];
}

/**
 * Kinds that record what happened rather than change what the cluster does, by group and kind:
 * events, and the operator's FluxReport, whose spec it rewrites every reporting interval (5
 * minutes) with counts of every Flux object, a tenant's failing ones included.
 */
const RECORDS = new Set(["Event", "events.k8s.io Event", "fluxcd.controlplane.io FluxReport"]);

/** `group Kind` of a `group/version Kind` type; `Kind` alone in the core group. */
function groupKind(type: string): string {
  const [groupVersion = "", kind = ""] = type.split(" ");
  const slash = groupVersion.lastIndexOf("/");
  return slash < 0 ? kind : `${groupVersion.slice(0, slash)} ${kind}`;
}

const isRecord = (object: ClusterObject): boolean => RECORDS.has(groupKind(object.type));

async function groupVersions(api: KubeApi): Promise<string[]> {
  const core = await api.get("/api");
  const groups = await api.get("/apis");
  if (core.status !== 200 || groups.status !== 200) {
    throw new Error(`discovery: ${core.status} ${groups.status} ${statusMessage(groups)}`);
  }
  return [
    ...(core.body as { versions: string[] }).versions,
    ...(groups.body as { groups: { preferredVersion: { groupVersion: string } }[] }).groups.map(
      (group) => group.preferredVersion.groupVersion,
    ),
  ];
}

/** Every object of every listable kind; a group whose server does not answer is named. */
export async function listEverything(
  api: KubeApi,
): Promise<{ objects: ClusterObject[]; unavailable: string[] }> {
  const objects: ClusterObject[] = [];
  const unavailable: string[] = [];
  for (const groupVersion of await groupVersions(api)) {
    const base = groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    const discovery = await api.get(base);
    if (discovery.status !== 200) {
      // An aggregated API whose backend does not run (metrics.k8s.io: no pods run here).
      unavailable.push(`${groupVersion}: ${discovery.status} ${statusMessage(discovery)}`);
      continue;
    }
    for (const resource of (discovery.body as ResourceList).resources) {
      if (resource.name.includes("/") || !resource.verbs?.includes("list")) continue;
      const response = await api.get(`${base}/${resource.name}`);
      if (response.status !== 200) {
        unavailable.push(`${groupVersion} ${resource.name}: ${response.status}`);
        continue;
      }
      for (const item of (response.body as { items: Listed[] }).items) {
        const { metadata } = item;
        objects.push({
          type: `${groupVersion} ${resource.kind}`,
          namespace: metadata.namespace,
          name: metadata.name,
          uid: metadata.uid,
          created: metadata.creationTimestamp,
          writes: (metadata.managedFields ?? [])
            // A status written by a controller says what happened, not what the cluster does.
            .filter((entry) => !entry.subresource && entry.time)
            .map((entry) => ({
              manager: entry.manager ?? "?",
              operation: entry.operation === "Apply" ? "Apply" : "Update",
              time: entry.time as string,
            })),
        });
      }
    }
  }
  return { objects, unavailable };
}

const describe = (object: ClusterObject): string =>
  `${object.type} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;

/**
 * The field managers that write for a tenant with other than server-side apply:
 * kustomize-controller patches what it reconciles (as `gotk-kustomize-controller`), flux-operator
 * its ResourceSets, and the sealed-secrets controller creates and updates the Secrets of
 * SealedSecrets (named after its binary, having set no field manager). Anyone else's update
 * outside is the platform's own: kube-controller-manager, the API server, `pulumi up`.
 */
export const TENANT_WRITERS: ReadonlySet<string> = new Set([
  "kustomize-controller",
  "gotk-kustomize-controller",
  "flux-operator",
  "sealed-secrets-controller",
]);

/**
 * What changed outside `allowedNamespaces` between two listings, `since` being when the change
 * began, records aside: objects that are new or gone, objects server-side applied since then by
 * anyone, and objects created, updated or patched since then by a manager that writes for a
 * tenant (TENANT_WRITERS). Cluster-scoped objects are always outside.
 */
export function outsideChanges(
  before: readonly ClusterObject[],
  after: readonly ClusterObject[],
  since: Date,
  allowedNamespaces: readonly string[],
): string[] {
  const isOutside = (object: ClusterObject) =>
    object.namespace === undefined || !allowedNamespaces.includes(object.namespace);
  const known = new Set(before.map((object) => object.uid));
  const remaining = new Set(after.map((object) => object.uid));
  // managedFields times have whole seconds.
  const from = Math.floor(since.getTime() / 1000) * 1000;
  const outside = after.filter((object) => isOutside(object) && !isRecord(object));
  const writesSince = (operation: ClusterWrite["operation"]) =>
    outside.flatMap((object) =>
      object.writes
        .filter(
          (entry) =>
            entry.operation === operation &&
            Date.parse(entry.time) >= from &&
            (operation === "Apply" || TENANT_WRITERS.has(entry.manager)),
        )
        .map((entry) => `${describe(object)} by ${entry.manager} at ${entry.time}`),
    );
  return [
    ...outside
      .filter((object) => !known.has(object.uid))
      .map((object) => `created ${describe(object)}`),
    ...before
      .filter((object) => isOutside(object) && !isRecord(object) && !remaining.has(object.uid))
      .map((object) => `deleted ${describe(object)}`),
    ...writesSince("Apply").map((write) => `applied ${write}`),
    ...writesSince("Update").map((write) => `written ${write}`),
  ];
}
