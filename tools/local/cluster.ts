/**
 * What the local stack expects of a cluster managed elsewhere: the Flux Operator's and Flux's
 * CRDs and the flux-system namespace, as a pre-installed Flux Operator would have left them. No
 * operator runs on a control plane without nodes, so the real CRDs are read from the operator's
 * module (fluxCrds.ts) and applied here.
 */
import type { KubeApi } from "../kube/api";
import { applyInOrder, formatRejection, waitForEstablished } from "../kube/apply";
import { localStackCrds } from "./fluxCrds";
import { fluxOperatorModuleDir } from "../gitops/fluxOperator/runConfig";

/** The operator's and Flux's CRDs, installed and Established. */
export async function installFluxCrds(api: KubeApi): Promise<void> {
  const crds = localStackCrds(await fluxOperatorModuleDir());
  const result = await applyInOrder(api, crds);
  if (result.rejections.length > 0) {
    throw new Error(`Flux CRDs refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
  for (const crd of crds) await waitForEstablished(api, crd.metadata.name);
}

export async function prepareForLocalStack(api: KubeApi): Promise<void> {
  await installFluxCrds(api);
  const result = await applyInOrder(api, [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "flux-system", labels: { "app.kubernetes.io/part-of": "k8s-flux-local" } },
    },
  ]);
  if (result.rejections.length > 0) {
    throw new Error(`flux-system refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
}
