/**
 * `npm run down:local`: stops every process and server `up:local` started, by the pids it
 * recorded: the supervisor and the operator and controllers it runs, the git server, the control
 * plane. It destroys nothing: the git server's repositories, keys and host key and the local
 * stack's state stay, and the next `up:local` brings the cluster back from them with `pulumi up
 * --refresh`, as after losing a cluster. Checks at the end that none of their ports is listened on.
 */
import { runningControlPlane, stopControlPlane } from "../../control-plane/controlPlane";
import { gitServerLayout } from "../gitServer/layout";
import { stopGitServer } from "../gitServer/server";
import { readServerState } from "../gitServer/state";
import { stillListening } from "../listeners";
import { flagOf } from "../runner/readiness";
import { localEnvironmentLayout } from "./layout";
import { obsoleteGitServer, obsoleteNotice } from "./obsoleteGitServer";
import { stopSupervisor } from "./supervisorControl";
import { readWorkloadsFile } from "./workloadsFile";

const PREFIX = "down:local:";
const print = (line: string): void => console.log(`${PREFIX} ${line}`);

/** Ports of everything up:local started, read before it is stopped. */
function portsInUse(layout: ReturnType<typeof localEnvironmentLayout>): number[] {
  const ports: number[] = [];
  const cluster = runningControlPlane(layout.cluster);
  if (cluster) ports.push(...Object.values(cluster.ports));
  const git = readServerState(gitServerLayout(layout.gitServer));
  if (git?.sshd) ports.push(git.port);
  for (const workload of readWorkloadsFile(layout.workloads)?.workloads ?? []) {
    if (workload.pid === undefined) continue;
    for (const flag of ["--health-addr", "--metrics-addr", "--storage-addr", "--listen-addr"]) {
      const address = flagOf(workload.pid, flag);
      if (address) ports.push(Number(address.slice(address.lastIndexOf(":") + 1)));
    }
  }
  return ports;
}

async function main(): Promise<void> {
  const layout = localEnvironmentLayout();
  const ports = portsInUse(layout);
  // The operator and controllers first: they are clients of the control plane.
  print(
    (await stopSupervisor(layout))
      ? "stopped the supervisor, the operator and the controllers"
      : "no supervisor was running",
  );
  print(
    (await stopGitServer(layout.gitServer))
      ? "stopped the git server"
      : "no git server was running",
  );
  const obsolete = obsoleteGitServer(layout.root);
  if (obsolete?.runningSshd) {
    await stopGitServer(obsolete.dir);
    print(
      `stopped the git server of an older up:local (sshd pid ${obsolete.runningSshd.pid}), recorded in ${obsolete.dir}`,
    );
  }
  const cluster = await stopControlPlane(layout.cluster);
  print(cluster.stopped.length > 0 ? "stopped the control plane" : "no control plane was running");
  const listening = stillListening(ports);
  if (listening.length > 0) {
    throw new Error(`ports ${listening.join(", ")} are still listened on; see \`ss -ltnp\``);
  }
  print(
    `nothing of the local environment runs; the git server's repositories and keys (${layout.gitServer}) and the stack's state are kept`,
  );
  if (obsolete) print(obsoleteNotice(obsolete.dir));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`${PREFIX} ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
