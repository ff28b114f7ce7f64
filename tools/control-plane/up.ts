/**
 * `npm run cluster:up [-- --port N]`: starts the control plane in .cache/cluster and leaves it
 * running after this command ends; `npm run cluster:down` stops it. If one is already running
 * it says where and exits 0, so scripts can call this unconditionally.
 */
import { relative } from "node:path";
import { quoted } from "../../components/shared/quotedText";
import {
  parseCommandLine,
  runCommand,
  UsageError,
  type CommandText,
  type Parsed,
} from "../cliArgs";
import { runningControlPlane, startControlPlane, stopControlPlane } from "./controlPlane";
import { CLI_STATE_DIR } from "./tools";
import { REPO_ROOT } from "../repoRoot";

export const CLUSTER_UP_COMMAND: CommandText = {
  name: "cluster:up",
  usage: `Start a control plane (etcd, kube-apiserver, kube-controller-manager) in .cache/cluster and
leave it running; \`npm run cluster:down\` stops it. If one runs already, say where and exit 0.

Usage:
  npm run cluster:up [-- --port PORT]

  --port PORT   the API server's port on 127.0.0.1 (default: a free one)
  -h, --help    show this help

Exit codes: 0 running, 1 it could not be started, 2 bad arguments.
`,
};

const PREFIX = `${CLUSTER_UP_COMMAND.name}:`;

export interface ClusterUpOptions {
  readonly port?: number;
}

export function parseClusterUpArgs(argv: readonly string[]): Parsed<ClusterUpOptions> {
  const line = parseCommandLine(argv, { port: { type: "string" } });
  if (line.help) return line;
  const { port } = line.flags;
  if (port === undefined) return { help: false };
  if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
    throw new UsageError(`--port ${quoted(port)}: expected a port number, 1 to 65535`);
  }
  return { help: false, port: Number(port) };
}

async function main({ port }: ClusterUpOptions): Promise<void> {
  const stateDir = relative(process.cwd(), CLI_STATE_DIR) || ".";

  const running = runningControlPlane(CLI_STATE_DIR);
  if (running) {
    console.log(
      `${PREFIX} already running at ${running.server} (from ${stateDir}); ` +
        "`npm run cluster:down` stops it",
    );
    console.log(`export KUBECONFIG=${running.kubeconfigPath}`);
    return;
  }
  // A previous run that crashed or was killed: nothing of it runs, so its files can go.
  const leftover = await stopControlPlane(CLI_STATE_DIR);
  if (leftover.found) console.log(`${PREFIX} removed ${stateDir} left by an earlier run`);

  const cluster = await startControlPlane({
    dir: CLI_STATE_DIR,
    ports: port === undefined ? {} : { apiserver: port },
    outlivesParent: true,
  });
  console.log(
    `${PREFIX} kube-apiserver ${cluster.version} ready at ${cluster.server}, with etcd and ` +
      `kube-controller-manager; logs in ${relative(REPO_ROOT, cluster.dir)}/logs`,
  );
  console.log(`export KUBECONFIG=${cluster.kubeconfigPath}`);
}

if (require.main === module) runCommand(CLUSTER_UP_COMMAND, parseClusterUpArgs, main);
