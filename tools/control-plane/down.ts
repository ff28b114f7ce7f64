/**
 * `npm run cluster:down`: stops the control plane `npm run cluster:up` started, checks that its
 * ports are free again and removes .cache/cluster (logs included). Nothing running is fine.
 */
import { relative } from "node:path";
import { stopControlPlane } from "./controlPlane";
import { ControlPlaneError } from "./errors";
import { CLI_STATE_DIR } from "./tools";

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

main().catch((error: unknown) => {
  const known = error instanceof ControlPlaneError;
  console.error(`cluster:down: ${known ? error.message : String((error as Error).stack ?? error)}`);
  process.exitCode = 1;
});
