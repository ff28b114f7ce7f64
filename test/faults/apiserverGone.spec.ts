/**
 * The API server goes away during an update (issue 14, scenario 3). A deployed local stack gets a
 * new tenant; once the engine reports a Kubernetes create of that update begun and not finished,
 * so that an operation is under way, kube-apiserver is stopped (by its pid, from the control
 * plane's state.json) and started again 20 s later with the same certificates, port and etcd
 * data, as in an upgrade. etcd and the controller manager keep running.
 *
 * The update either rides the outage out (it was still running once the API server was gone),
 * or fails with an error that names the API server's address, and no stack trace; every error
 * is printed when none does. Either way it leaves no lock and no pending operation. The next
 * `pulumi up` then converges with no recovery step: an update with no changes, every key
 * published before unchanged, and the cluster's objects the state's.
 */
import { describe, expect, it } from "vitest";
import { startApiserver, stopApiserver } from "../../tools/control-plane/apiserverRestart";
import { LOCAL_STACK } from "../../tools/local/project";
import { pulumiOk } from "../../tools/local/pulumi";
import { stackLocks } from "../../tools/local/recovery";
import { kubernetesCreateUnderWay, progressSeen } from "./engineEvents";
import {
  addTenant,
  expectNoChanges,
  type FaultStack,
  outputTail,
  startUpWithEvents,
  UP,
  useDeployedFaultStack,
} from "./faultStack";
import { expectSameKeysAndObjects, exportState, publishedKeys } from "./stackChecks";

const TENANT = "billing-local";
const DOWNTIME_MS = 20_000;

const started = useDeployedFaultStack("apiserver-gone");

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Outage {
  /** How long stopping took: SIGTERM until the process was gone. */
  readonly stoppingMs: number;
  /** From the stop until the API server answered /readyz again. */
  readonly downMs: number;
  /** Whether the update still ran once the API server was gone. */
  readonly updateRanWhenGone: boolean;
}

/**
 * Stops the API server, starts it again DOWNTIME_MS after the stop began, waits until ready.
 * `updateEnded` tells whether the update has ended.
 */
async function apiserverOutage(
  faultStack: FaultStack,
  updateEnded: () => boolean,
): Promise<Outage> {
  const stopping = Date.now();
  await stopApiserver(faultStack.clusterDir);
  const updateRanWhenGone = !updateEnded();
  const stoppingMs = Date.now() - stopping;
  await sleep(DOWNTIME_MS - (Date.now() - stopping));
  await startApiserver(faultStack.clusterDir);
  return { stoppingMs, downMs: Date.now() - stopping, updateRanWhenGone };
}

/** Lines of a Node.js or Go stack trace, or a Go panic. */
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$|^goroutine \d+ \[|^panic: /m;

describe("kube-apiserver stopped during pulumi up, started again 20 s later", () => {
  it("the update fails naming the API server or rides it out, and the next pulumi up converges", async ({
    annotate,
  }) => {
    const faultStack = started();
    const before = await publishedKeys(faultStack);
    addTenant(faultStack, TENANT);

    const { command, events } = await startUpWithEvents(faultStack);
    let updateEnded = false;
    const ended = (): void => {
      updateEnded = true;
    };
    void command.result.then(ended, ended);
    let outage: Promise<Outage> | undefined;
    let update;
    try {
      const atStop = await events.until(kubernetesCreateUnderWay, command.result);
      if (atStop) {
        outage = apiserverOutage(faultStack, () => updateEnded);
        // Awaited below, once the update has ended; a failure is not lost meanwhile.
        outage.catch(() => undefined);
      }
      update = await command.result;
    } finally {
      await events.close();
    }
    if (!outage) {
      throw new Error(
        `the update ended before a Kubernetes create of it was under way; the engine had ` +
          `reported ${progressSeen(events.progress)}:\n${outputTail(update)}`,
      );
    }
    const { stoppingMs, downMs, updateRanWhenGone } = await outage;

    const output = `${update.stdout}\n${update.stderr}`;
    expect(output).not.toMatch(STACK_TRACE);
    let seen: string;
    if (update.code === 0) {
      // Riding it out means the update met the outage, not that it ended before the stop.
      expect(updateRanWhenGone, "the update ended before the API server was gone").toBe(true);
      seen = "the update rode the outage out";
    } else {
      const errors = events.progress.errors.map((message) => message.trim());
      const naming = errors.filter((message) => message.includes(faultStack.apiserverAddress));
      expect(
        naming.length,
        `no error names ${faultStack.apiserverAddress}; all ${errors.length} error(s):\n` +
          `${errors.join("\n")}\n${outputTail(update)}`,
      ).toBeGreaterThan(0);
      seen = `the update failed after ${update.seconds.toFixed(1)} s: ${errors.length} error(s), e.g. "${naming[0]}"`;
    }

    // Nothing to recover: no lock, no pending operation.
    expect(stackLocks(faultStack.context.backendDir, LOCAL_STACK)).toEqual([]);
    expect((await exportState(faultStack)).pendingOperations).toEqual([]);

    const next = await pulumiOk(UP, faultStack.context);
    await expectNoChanges(faultStack);

    await expectSameKeysAndObjects(faultStack, before, TENANT);
    await annotate(
      `${seen}; kube-apiserver took ${(stoppingMs / 1000).toFixed(1)} s to stop and was ` +
        `back after ${(downMs / 1000).toFixed(1)} s; the next up: ` +
        `${/\d+ created/.exec(next.stdout)?.[0] ?? "nothing created"}`,
    );
  });
});
