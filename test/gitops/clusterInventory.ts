/**
 * Every object in the cluster, of every kind the API server lists (built-in and custom), and which
 * of them a tenant's commit could have created or applied outside its namespaces. This holds a
 * tenant in whatever its repository contains: it does not know the fixtures' names.
 */
import { type KubeApi, statusMessage } from "../../tools/kube/api";

export interface ClusterObject {
  /** `group/version Kind` */
  readonly type: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
  readonly created: string;
  /** Server-side applies to it, other than to its status: who, and when (RFC 3339, seconds). */
  readonly applies: readonly { manager: string; time: string }[];
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

/** Kinds that record what happened rather than change what the cluster does. */
const RECORDS = new Set(["v1 Event", "events.k8s.io/v1 Event"]);

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
          applies: (metadata.managedFields ?? [])
            // A status written by a controller says what happened, not what the cluster does.
            .filter((entry) => entry.operation === "Apply" && !entry.subresource && entry.time)
            .map((entry) => ({ manager: entry.manager ?? "?", time: entry.time as string })),
        });
      }
    }
  }
  return { objects, unavailable };
}

const describe = (object: ClusterObject): string =>
  `${object.type} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;

/**
 * What changed outside `allowedNamespaces` between two listings, `since` being when the change
 * began: objects that are new (other than event records), and objects server-side applied since
 * then. Cluster-scoped objects are always outside.
 */
export function outsideChanges(
  before: readonly ClusterObject[],
  after: readonly ClusterObject[],
  since: Date,
  allowedNamespaces: readonly string[],
): string[] {
  const known = new Set(before.map((object) => object.uid));
  // managedFields times have whole seconds.
  const from = Math.floor(since.getTime() / 1000) * 1000;
  const outside = after.filter(
    (object) => object.namespace === undefined || !allowedNamespaces.includes(object.namespace),
  );
  return [
    ...outside
      .filter((object) => !known.has(object.uid) && !RECORDS.has(object.type))
      .map((object) => `created ${describe(object)}`),
    ...outside.flatMap((object) =>
      object.applies
        .filter((entry) => Date.parse(entry.time) >= from)
        .map((entry) => `applied ${describe(object)} by ${entry.manager} at ${entry.time}`),
    ),
  ];
}
