/**
 * `npm run cluster:up [-- --port N]`: starts the control plane in .cache/cluster and leaves it
 * running after this command ends; `npm run cluster:down` stops it. If one is already running
 * it says where and exits 0, so scripts can call this unconditionally.
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { runningControlPlane, startControlPlane, stopControlPlane } from "./controlPlane";
import { ControlPlaneError } from "./errors";
import { CLI_STATE_DIR } from "./tools";
import { REPO_ROOT } from "../repoRoot";

const USAGE = "usage: npm run cluster:up [-- --port <kube-apiserver port>]";

function parseOptions(): { port?: number } {
  try {
    const { port } = parseArgs({ options: { port: { type: "string" } } }).values;
    if (port === undefined) return {};
    if (!/^\d+$/.test(port)) throw new Error(`--port must be a number, not "${port}"`);
    return { port: Number(port) };
  } catch (error) {
    throw new ControlPlaneError(`${(error as Error).message}; ${USAGE}`);
  }
}

async function main(): Promise<void> {
  const { port } = parseOptions();
  const stateDir = relative(process.cwd(), CLI_STATE_DIR) || ".";

  const running = runningControlPlane(CLI_STATE_DIR);
  if (running) {
    console.log(
      `cluster:up: already running at ${running.server} (from ${stateDir}); ` +
        "`npm run cluster:down` stops it",
    );
    console.log(`export KUBECONFIG=${running.kubeconfigPath}`);
    return;
  }
  // A previous run that crashed or was killed: nothing of it runs, so its files can go.
  const leftover = await stopControlPlane(CLI_STATE_DIR);
  if (leftover.found) console.log(`cluster:up: removed ${stateDir} left by an earlier run`);

  const cluster = await startControlPlane({
    dir: CLI_STATE_DIR,
    ports: port === undefined ? {} : { apiserver: port },
    outlivesParent: true,
  });
  console.log(
    `cluster:up: kube-apiserver ${cluster.version} ready at ${cluster.server}, with etcd and ` +
      `kube-controller-manager; logs in ${relative(REPO_ROOT, cluster.dir)}/logs`,
  );
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const known = error instanceof ControlPlaneError;
    console.error(`cluster:up: ${known ? error.message : String((error as Error).stack ?? error)}`);
    process.exit(1);
  },
);
