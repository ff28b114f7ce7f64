/**
 * `npm run cluster:down`: stops the control plane `npm run cluster:up` started, checks that its
 * ports are free again and removes .cache/cluster (logs included). Nothing running is fine.
 */
import { relative } from "node:path";
import { parseNoArguments, readCommandLine, type CommandText } from "../cliArgs";
import { stopControlPlane } from "./controlPlane";
import { ControlPlaneError } from "./errors";
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

async function main(): Promise<void> {
  const stateDir = relative(process.cwd(), CLI_STATE_DIR) || ".";
  const report = await stopControlPlane(CLI_STATE_DIR);
  if (!report.found) {
    console.log(`cluster:down: no control plane to stop (no ${stateDir})`);
  } else if (report.stopped.length === 0) {
    console.log(`cluster:down: nothing was running; removed ${stateDir}`);
  } else {
    console.log(
      `cluster:down: stopped ${report.stopped.join(", ")}; their ports are free; removed ${stateDir}`,
    );
  }
}

if (require.main === module) {
  readCommandLine(CLUSTER_DOWN_COMMAND, parseNoArguments);
  main().catch((error: unknown) => {
    const known = error instanceof ControlPlaneError;
    console.error(
      `cluster:down: ${known ? error.message : String((error as Error).stack ?? error)}`,
    );
    process.exitCode = 1;
  });
}
