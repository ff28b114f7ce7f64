/**
 * `npm run down:local`: stops every process and server `up:local` started, by the pids it
 * recorded: the supervisor and the operator and controllers it runs, the git server, the control
 * plane. It destroys nothing: the git server's repositories, keys and host key and the local
 * stack's state stay, and the next `up:local` brings the cluster back from them with `pulumi up
 * --refresh`, as after losing a cluster. Checks at the end that none of their ports is listened on.
 */
import { existsSync } from "node:fs";
import { parseNoArguments, runCommand, type CommandText } from "../../cliArgs";
import { runningControlPlane, stopControlPlane } from "../../control-plane/controlPlane";
import { gitServerLayout } from "../gitServer/layout";
import { stopGitServer } from "../gitServer/server";
import { readServerState } from "../gitServer/state";
import { stillListening } from "../listeners";
import { flagOf } from "../runner/readiness";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout, type LocalEnvironmentLayout } from "./layout";
import { obsoleteGitServer, obsoleteNotice } from "./obsoleteGitServer";
import { stopSupervisor } from "./supervisorControl";
import { readWorkloadsFile } from "./workloadsFile";

export const DOWN_LOCAL_COMMAND: CommandText = {
  name: "down:local",
  usage: `Stop every process and server \`npm run up:local\` started: the supervisor and the operator
and controllers it runs, the git server, the control plane. Destroys nothing: the git server's
repositories and keys and the local stack's state stay for the next up:local.

Usage:
  npm run down:local

  -h, --help    show this help

${LOCAL_DIR_VARIABLE}, an existing directory, names a second environment to stop instead.
Exit codes: 0 nothing of it runs any more, 1 something could not be stopped, 2 bad arguments.
`,
};

const PREFIX = `${DOWN_LOCAL_COMMAND.name}:`;
const print = (line: string): void => console.log(`${PREFIX} ${line}`);

/** Ports of everything up:local started, read before it is stopped. */
function portsInUse(layout: LocalEnvironmentLayout): number[] {
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
  print(`nothing of the local environment runs; ${whatIsKept(layout)}`);
  if (obsolete) print(obsoleteNotice(obsolete.dir));
}

/** What the next up:local starts from, named only when it is there. */
export function whatIsKept({
  gitServer,
  backend,
}: Pick<LocalEnvironmentLayout, "gitServer" | "backend">): string {
  const repositories = `the git server's repositories and keys (${gitServer})`;
  const state = `the stack's state (${backend})`;
  if (existsSync(gitServer) && existsSync(backend)) return `${repositories} and ${state} are kept`;
  if (existsSync(gitServer)) return `${repositories} are kept`;
  if (existsSync(backend)) return `${state} is kept`;
  return `it has no git server (${gitServer}) or stack state (${backend}) to keep`;
}

if (require.main === module) runCommand(DOWN_LOCAL_COMMAND, parseNoArguments, main);
