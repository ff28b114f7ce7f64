/**
 * `npm run down:local`: destroys the local stack and stops the control plane. The sealing keys
 * are protected, so they stay in the local stack's state, as on any stack; the next
 * `npm run up:local` seals with the same key.
 */
import { join } from "node:path";
import { runningControlPlane, stopControlPlane } from "../control-plane/controlPlane";
import { CLI_STATE_DIR } from "../control-plane/tools";
import { LOCAL_STACK, prepareProjectCopy, REPO_ROOT } from "./project";
import { runPulumi } from "./pulumi";

const LOCAL_WORK_DIR = join(REPO_ROOT, ".pulumi-local", "local-stack");

async function main(): Promise<void> {
  const running = runningControlPlane(CLI_STATE_DIR);
  if (running) {
    const context = {
      cwd: prepareProjectCopy(join(LOCAL_WORK_DIR, "project"), running.kubeconfigPath),
      backendDir: join(LOCAL_WORK_DIR, "state"),
      echo: true,
    };
    const destroyed = await runPulumi(
      ["destroy", "--yes", "--exclude-protected", "--stack", LOCAL_STACK],
      context,
    );
    if (destroyed.code !== 0) console.error("down:local: pulumi destroy failed; stopping anyway");
  } else {
    console.log("down:local: no control plane runs, so there is nothing to destroy");
  }
  const report = await stopControlPlane(CLI_STATE_DIR);
  console.log(report.found ? "down:local: control plane stopped" : "down:local: nothing to stop");
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`down:local: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
