/**
 * What the local stack expects of a cluster managed elsewhere: Flux's CRDs and the flux-system
 * namespace, as a pre-installed Flux Operator would have left them. The CRDs are our stand-ins
 * (standInCrds.yaml), since no operator runs on a control plane without nodes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeApi } from "../kube/api";
import { applyInOrder, formatRejection, waitForEstablished } from "../kube/apply";
import type { Manifest } from "../kube/manifest";

/** The stand-in Flux CRDs, installed and Established. */
export async function installStandInCrds(api: KubeApi): Promise<void> {
  const text = readFileSync(join(__dirname, "standInCrds.yaml"), "utf8");
  const crds = parseAllDocuments(text).map((document) => document.toJS() as Manifest);
  const result = await applyInOrder(api, crds);
  if (result.rejections.length > 0) {
    throw new Error(`stand-in CRDs refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
  for (const crd of crds) await waitForEstablished(api, crd.metadata.name);
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
