/** Asking a Flux controller to reconcile one object now. */
import { type KubeApi, statusMessage } from "../../kube/api";
import { GitOpsError } from "../errors";
import { fluxObjectPath, type FluxObjectRef } from "./objects";

/**
 * Asks the controller to reconcile now, as `flux reconcile` does: the annotation
 * `reconcile.fluxcd.io/requestedAt` set to a new value. A source fetched after a failure would
 * otherwise wait out its back-off (up to 15 minutes), and a new commit its interval. Returns the
 * value set, which the object's `status.lastHandledReconcileAt` takes once it has been handled.
 */
export async function requestReconcile(api: KubeApi, ref: FluxObjectRef): Promise<string> {
  const requestedAt = new Date().toISOString();
  const response = await api.request(
    "PATCH",
    fluxObjectPath(ref),
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": requestedAt } } },
    "application/merge-patch+json",
  );
  if (response.status !== 200) {
    throw new GitOpsError(
      `requesting a reconcile of ${ref.kind} ${ref.namespace}/${ref.name}: ${response.status} ${statusMessage(response)}`,
    );
  }
  return requestedAt;
}
