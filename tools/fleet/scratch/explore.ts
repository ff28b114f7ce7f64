import { appendFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Stack } from "@pulumi/pulumi/automation";
import { startControlPlane } from "../../control-plane/controlPlane";
import { KubeApi } from "../../kube/api";
import { prepareForLocalStack } from "../../local/cluster";
import { LOCAL_STACK, prepareProjectCopy } from "../../local/project";
import { fleetWorkspace } from "../workspace";

const dir = "/tmp/fleet-explore";
async function main() {
  rmSync(dir, { recursive: true, force: true });
  const cluster = await startControlPlane({ dir: join(dir, "cluster") });
  try {
    await prepareForLocalStack(new KubeApi(cluster));
    const project = prepareProjectCopy(join(dir, "project"), cluster.kubeconfigPath, {
      applications: [{ name: "tenant-a", repository: "git@github.com:acme/tenant-a.git" }],
      externalDns: { enabled: false },
      sealedSecrets: { enabled: false },
      metricsServer: { enabled: false },
    });
    (await import("node:fs")).mkdirSync(join(dir, "state"), { recursive: true });
    process.env.PULUMI_BACKEND_URL = pathToFileURL(join(dir, "state")).href;
    const ws = await fleetWorkspace({ workDir: project, processMark: { FLEET_MARK: "x" } });
    const stack = await Stack.create(LOCAL_STACK, ws);
    console.log(await ws.listStacks());
    const log = (name: string) => (e: unknown) => appendFileSync(join(dir, `${name}.events`), JSON.stringify(e) + "\n");
    let t = Date.now();
    const up = await stack.up({ onEvent: log("up"), onOutput: (o) => appendFileSync(join(dir, "up.out"), o) });
    console.log("up", (Date.now() - t) / 1000, up.summary.resourceChanges);
    t = Date.now();
    const pv = await stack.preview({ refresh: true, expectNoChanges: true, onEvent: log("drift0") });
    console.log("drift0", (Date.now() - t) / 1000, pv.changeSummary);
    const api = new KubeApi(cluster);
    const del = await api.request("DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/tenant-a/rolebindings/flux-reconciler-admin");
    console.log("deleted", del.status);
    t = Date.now();
    try {
      const pv2 = await stack.preview({ refresh: true, expectNoChanges: true, onEvent: log("drift1"), onOutput: (o) => appendFileSync(join(dir, "drift1.out"), o) });
      console.log("drift1 ok?", pv2.changeSummary);
    } catch (e) {
      console.log("drift1 error", (Date.now() - t) / 1000, e instanceof Error ? e.constructor.name + " " + e.message : e);
    }
    const pv3 = await stack.preview({ refresh: true, onEvent: log("drift2") });
    console.log("drift2", pv3.changeSummary);
  } finally {
    await cluster.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
