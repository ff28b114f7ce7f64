/**
 * Interrupted with Ctrl-C (issue 14, scenario 2). A deployed local stack gets a new tenant, and
 * the update is sent SIGINT, as a terminal's Ctrl-C does, once the engine reports a Kubernetes
 * create of it begun and not finished, so that an operation is under way. Pulumi cancels: it
 * starts nothing more, the Kubernetes provider abandons the requests under way, the only errors
 * are requests cancelled ("context canceled") and the update's own end ("update canceled" or
 * "update failed"), and the state is saved with no pending operation and the lock released.
 * The next `pulumi up` completes with no recovery step, and the stack ends with an update with no
 * changes, every key published before the interrupt unchanged, and the cluster's objects the
 * state's.
 */
import { describe, expect, it } from "vitest";
import { LOCAL_STACK } from "../../tools/local/project";
import { pulumiOk } from "../../tools/local/pulumi";
import { stackLocks } from "../../tools/local/recovery";
import { kubernetesCreateUnderWay, progressSeen } from "./engineEvents";
import {
  addTenant,
  expectNoChanges,
  outputTail,
  startUpWithEvents,
  UP,
  useDeployedFaultStack,
} from "./faultStack";
import {
  expectSameKeysAndObjects,
  exportState,
  objectDifferences,
  publishedKeys,
} from "./stackChecks";

const TENANT = "orders-local";

const started = useDeployedFaultStack("ctrl-c");

describe("pulumi up interrupted with Ctrl-C", () => {
  it("cancels gracefully, and the next pulumi up completes with the same keys", async ({
    annotate,
  }) => {
    const faultStack = started();
    const before = await publishedKeys(faultStack);
    addTenant(faultStack, TENANT);

    const { command, events } = await startUpWithEvents(faultStack);
    let atInterrupt;
    let interrupted;
    try {
      atInterrupt = await events.until(kubernetesCreateUnderWay, command.result);
      if (atInterrupt && command.pid !== undefined) process.kill(command.pid, "SIGINT");
      interrupted = await command.result;
    } finally {
      await events.close();
    }
    if (!atInterrupt) {
      throw new Error(
        `the update ended before a Kubernetes create of it was under way; the engine had ` +
          `reported ${progressSeen(events.progress)}:\n${outputTail(interrupted)}`,
      );
    }
    const { done } = events.progress;
    const errors = events.progress.errors.map((message) => message.trim());
    expect(interrupted.code, outputTail(interrupted)).not.toBe(0);
    expect(interrupted.stdout).toContain("^C received; cancelling.");
    // The only errors are cancellations: the Kubernetes provider drops its requests under way.
    expect(
      errors.filter(
        (message) => !/context canceled|^update canceled$|^update failed$/.test(message),
      ),
      outputTail(interrupted, 60),
    ).toEqual([]);

    // Nothing to recover: no lock, no pending operation.
    expect(stackLocks(faultStack.context.backendDir, LOCAL_STACK)).toEqual([]);
    const interruptedState = await exportState(faultStack);
    expect(interruptedState.pendingOperations).toEqual([]);
    const { orphaned } = await objectDifferences(faultStack, interruptedState);

    const next = await pulumiOk(UP, faultStack.context);
    await expectNoChanges(faultStack);

    await expectSameKeysAndObjects(faultStack, before, TENANT);
    await annotate(
      `SIGINT after ${atInterrupt.done.length} steps done, ` +
        `${atInterrupt.begun.length - atInterrupt.done.length} under way; ` +
        `${done.length - atInterrupt.done.length} more finished, then exit ${interrupted.code} ` +
        `with ${errors.length} error(s): ${errors.map((message) => `"${message}"`).join("; ")}; ` +
        `objects in the cluster and not in state: ${orphaned.length}; ` +
        `the next up: ${/\d+ created/.exec(next.stdout)?.[0] ?? "nothing created"}`,
    );
  });
});
