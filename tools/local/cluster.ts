/**
 * What the local stack expects of a cluster managed elsewhere: Flux's CRDs and the flux-system
 * namespace, as a pre-installed Flux Operator would have left them. Here the CRDs are our
 * stand-ins (test fixtures), since no operator runs on a control plane without nodes.
 */
import type { ControlPlane } from "../control-plane/controlPlane";
import { applyInOrder, formatRejection, installStandInCrds } from "../../test/cluster/applyObjects";
import { KubeApi } from "../../test/cluster/kubeApi";

export function adminApi(cluster: ControlPlane): KubeApi {
  return new KubeApi({
    server: cluster.server,
    caPem: cluster.caPem,
    adminCertPem: cluster.adminCertPem,
    adminKeyPem: cluster.adminKeyPem,
    version: cluster.version,
  });
}

export async function prepareForLocalStack(api: KubeApi): Promise<void> {
  await installStandInCrds(api);
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
