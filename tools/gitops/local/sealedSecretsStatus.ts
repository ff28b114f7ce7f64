/**
 * Every SealedSecret in the local cluster and whether the Sealed Secrets controller opened it:
 * its Synced condition (the only one the controller writes; it sets a message on failure and no
 * reason), and whether the Secret it makes, of the same name, exists and is controlled by it.
 * Only the Secret's metadata is kept; its values are never read into the report.
 */
import { type KubeApi, statusMessage } from "../../kube/api";
import { GitOpsError } from "../errors";

const SEALED_SECRETS_API = "/apis/bitnami.com/v1alpha1";

export interface SealedSecretStatus {
  readonly namespace: string;
  readonly name: string;
  /** The Synced condition: "Unknown" until the controller has looked at the object. */
  readonly synced: "True" | "False" | "Unknown";
  readonly reason: string | null;
  /** Why it did not open (the controller's error), or null. */
  readonly message: string | null;
  /** False while the condition describes an earlier generation than the object's current one. */
  readonly current: boolean;
  /**
   * The Secret of the same name: `owned` when its controller is this SealedSecret, `not owned`
   * when it belongs to something else (the controller then refuses to touch it), `missing`.
   */
  readonly secret: "owned" | "not owned" | "missing";
}

interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly ownerReferences?: readonly { uid: string; controller?: boolean }[];
}

/** What the report keeps of a Secret: who controls it. */
type SecretOwners = Pick<ObjectMeta, "ownerReferences">;

/** A SealedSecret as the API server returns it; only what the report reads. */
export interface SealedSecretObject {
  readonly metadata: ObjectMeta;
  readonly status?: {
    readonly observedGeneration?: number;
    readonly conditions?: readonly {
      type: string;
      status: string;
      reason?: string;
      message?: string;
    }[];
  };
}

/** The report for one SealedSecret, given the metadata of the Secret of its name, if any. */
export function sealedSecretStatus(
  sealedSecret: SealedSecretObject,
  secret: SecretOwners | undefined,
): SealedSecretStatus {
  const { metadata, status } = sealedSecret;
  const synced = status?.conditions?.find((condition) => condition.type === "Synced");
  const controller = secret?.ownerReferences?.find((owner) => owner.controller === true);
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    synced: synced?.status === "True" || synced?.status === "False" ? synced.status : "Unknown",
    reason: synced?.reason ?? null,
    message: synced?.message ?? null,
    current: status?.observedGeneration === metadata.generation,
    secret:
      secret === undefined
        ? "missing"
        : controller !== undefined && controller.uid === metadata.uid
          ? "owned"
          : "not owned",
  };
}

async function secretOwners(
  api: KubeApi,
  namespace: string,
  name: string,
): Promise<SecretOwners | undefined> {
  const response = await api.get(`/api/v1/namespaces/${namespace}/secrets/${name}`);
  if (response.status === 404) return undefined;
  if (response.status !== 200) {
    throw new GitOpsError(
      `reading Secret ${namespace}/${name}: ${response.status} ${statusMessage(response)}`,
    );
  }
  const { ownerReferences } = (response.body as { metadata: ObjectMeta }).metadata;
  return { ownerReferences };
}

/** Every SealedSecret, sorted by namespace and name; none when the CRD is not installed. */
export async function listSealedSecrets(api: KubeApi): Promise<SealedSecretStatus[]> {
  const response = await api.get(`${SEALED_SECRETS_API}/sealedsecrets`);
  if (response.status === 404) return [];
  if (response.status !== 200) {
    throw new GitOpsError(
      `listing sealedsecrets.bitnami.com: ${response.status} ${statusMessage(response)}`,
    );
  }
  const items = (response.body as { items: SealedSecretObject[] }).items;
  const statuses: SealedSecretStatus[] = [];
  for (const item of items) {
    const { namespace, name } = item.metadata;
    statuses.push(sealedSecretStatus(item, await secretOwners(api, namespace, name)));
  }
  return statuses.sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
}
