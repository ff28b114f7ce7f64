/**
 * `npm run up:local`: the whole program on this machine, with no cloud account. Starts the local
 * control plane unless it runs, gives it what a pre-installed Flux Operator would have left, and
 * runs `pulumi up --yes` on the local stack (Pulumi.local.yaml) with the locally built engine.
 */
import { join } from "node:path";
import { runningControlPlane, startControlPlane } from "../control-plane/controlPlane";
import { CLI_STATE_DIR } from "../control-plane/tools";
import { KubeApi } from "../kube/api";
import { prepareForLocalStack } from "./cluster";
import { LOCAL_STACK, prepareProjectCopy, REPO_ROOT } from "./project";
import { pulumiOk, runPulumi } from "./pulumi";
import { describeRecovery, recoverInterruptedUpdate } from "./recovery";

/** The local stack's project copy and state; `npm run down:local` leaves them for the next up. */
export const LOCAL_WORK_DIR = join(REPO_ROOT, ".pulumi-local", "local-stack");

async function main(): Promise<void> {
  const running = runningControlPlane(CLI_STATE_DIR);
  const cluster = running
    ? undefined
    : await startControlPlane({ dir: CLI_STATE_DIR, outlivesParent: true });
  const kubeconfigPath = running?.kubeconfigPath ?? cluster?.kubeconfigPath ?? "";
  if (cluster) {
    console.log(`up:local: started kube-apiserver ${cluster.version} at ${cluster.server}`);
    await prepareForLocalStack(new KubeApi(cluster));
  } else {
    console.log(`up:local: using the control plane already running at ${running?.server}`);
  }

  const context = {
    cwd: prepareProjectCopy(join(LOCAL_WORK_DIR, "project"), kubeconfigPath),
    backendDir: join(LOCAL_WORK_DIR, "state"),
    echo: true,
  };
  const selected = await runPulumi(["stack", "select", LOCAL_STACK], context);
  if (selected.code !== 0) await pulumiOk(["stack", "init", LOCAL_STACK], context);
  // A killed earlier run leaves a lock and pending creates; see recovery.ts.
  const recovery = await recoverInterruptedUpdate(context, LOCAL_STACK);
  for (const line of describeRecovery(recovery)) console.log(`up:local: ${line}`);
  await pulumiOk(["up", "--yes", "--stack", LOCAL_STACK], {
    ...context,
    extraEnv: recovery.upEnvironment,
  });
  console.log(`up:local: done; export KUBECONFIG=${kubeconfigPath} to look around`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`up:local: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
