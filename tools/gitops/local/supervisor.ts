/**
 * The long-lived owner of the process runner for `npm run up:local`: started detached by up:local
 * (`node --import tsx tools/gitops/local/supervisor.ts`), it runs the runner against the local
 * control plane until it gets SIGTERM, SIGINT or SIGHUP, then stops every process the runner
 * started and exits. The runner's processes die with it even when it is killed outright (they are
 * started with a parent-death signal). It writes the runner's report to workloads.json for
 * `local:status`, and one line per change to its log.
 */
import { ProcessRunner } from "../runner/runner";
import { localEnvironmentLayout } from "./layout";
import { supervisedWorkloads } from "./supervisedWorkloads";
import { writeWorkloadsFile } from "./workloadsFile";

const REPORT_INTERVAL_MS = 2_000;

const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);

async function main(): Promise<void> {
  const layout = localEnvironmentLayout();
  const runner = await ProcessRunner.start({
    kubeconfigPath: `${layout.cluster}/kubeconfig`,
    stateDir: layout.runner,
    workloads: await supervisedWorkloads(),
    onEvent: log,
  });
  log(`supervisor ${process.pid}: the runner runs`);
  writeWorkloadsFile(layout.workloads, runner.report());
  const reporting = setInterval(
    () => writeWorkloadsFile(layout.workloads, runner.report()),
    REPORT_INTERVAL_MS,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`supervisor ${process.pid}: ${signal}; stopping the runner's processes`);
    clearInterval(reporting);
    runner
      .stop()
      .then(() => {
        writeWorkloadsFile(layout.workloads, runner.report());
        log(`supervisor ${process.pid}: stopped`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        log(`supervisor ${process.pid}: stopping failed: ${(error as Error).message}`);
        process.exit(1);
      });
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, stop);
  // The runner's timer does not keep Node alive; this does, until a signal.
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  log(`supervisor: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
