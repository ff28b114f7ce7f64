/**
 * `npm run cluster:down`: stops the control plane `npm run cluster:up` started, checks that its
 * ports are free again and removes .cache/cluster (logs included). Nothing running is fine.
 */
import { relative } from "node:path";
import { parseNoArguments, runCommand, type CommandText } from "../cliArgs";
import { stopControlPlane } from "./controlPlane";
import { CLI_STATE_DIR } from "./tools";

export const CLUSTER_DOWN_COMMAND: CommandText = {
  name: "cluster:down",
  usage: `Stop the control plane \`npm run cluster:up\` started, check that its ports are free again
and remove .cache/cluster (logs included). Nothing running is fine.

Usage:
  npm run cluster:down

  -h, --help    show this help

Exit codes: 0 stopped or nothing to stop, 1 it could not be stopped, 2 bad arguments.
`,
};

const PREFIX = `${CLUSTER_DOWN_COMMAND.name}:`;

async function main(): Promise<void> {
  const stateDir = relative(process.cwd(), CLI_STATE_DIR) || ".";
  const report = await stopControlPlane(CLI_STATE_DIR);
  if (!report.found) {
    console.log(`${PREFIX} no control plane to stop (no ${stateDir})`);
  } else if (report.stopped.length === 0) {
    console.log(`${PREFIX} nothing was running; removed ${stateDir}`);
  } else {
    console.log(
      `${PREFIX} stopped ${report.stopped.join(", ")}; their ports are free; removed ${stateDir}`,
    );
  }
}

if (require.main === module) runCommand(CLUSTER_DOWN_COMMAND, parseNoArguments, main);
