/**
 * The fleet stage's and the bench's way of running `npm run fleet`: a run that does not end in
 * time, or whose watcher fails, is killed with everything it started and fails saying so.
 * The command is held stopped (SIGSTOP) from its start, so that it cannot end by itself.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runFleetCli } from "../../tools/local/fleetProcess";
import { localFleetLayout } from "../../tools/local/localFleet";
import { killNow, markedProcessesLeft, processesMarked } from "../../tools/local/markedProcesses";

const MARK = { name: "K8S_FLUX_FLEET_PROCESS_TEST", value: String(process.pid) };
/** Nothing is there: were the command to run, it would refuse its --work-dir. */
const LAYOUT = localFleetLayout("/nonexistent/k8s-flux-fleet-process-test");

const markedLeft = (): Promise<number[]> => markedProcessesLeft(MARK.name, MARK.value);

afterEach(() => killNow(processesMarked(MARK.name, MARK.value)));

const holdStopped = (pid: number): Promise<void> => {
  process.kill(pid, "SIGSTOP");
  return Promise.resolve();
};

describe("runFleetCli", () => {
  it("kills a run still going at its timeout, and fails naming it", async () => {
    await expect(runFleetCli(LAYOUT, ["drift"], MARK, holdStopped, 1_000)).rejects.toThrow(
      /^fleet drift was still running after 1 s, and was killed with every process it had started\nstdout:\n\nstderr:\n$/,
    );
    expect(await markedLeft()).toEqual([]);
  });

  it("kills the run when its watcher fails, and fails with the watcher's error", async () => {
    const watcherFails = async (pid: number): Promise<void> => {
      await holdStopped(pid);
      throw new Error("the moment never came");
    };
    await expect(runFleetCli(LAYOUT, ["drift"], MARK, watcherFails)).rejects.toThrow(
      "the moment never came",
    );
    expect(await markedLeft()).toEqual([]);
  });
});
