/**
 * Killed mid-update (issue 14, scenario 1). `pulumi up` of the local stack from empty is killed
 * with SIGKILL, the CLI and every plugin at once as when a machine loses power or a CI job is
 * killed, at three moments the engine's own events name: early (the first Kubernetes object
 * created), halfway through the steps, and near the end.
 *
 * After each kill the file backend's lock is left behind and the next `pulumi up` stops on it.
 * The recovery (tools/local/recovery.ts, which runs the commands that
 * docs/operations/recovering-from-interruptions.md gives, and which `npm run up:local` runs by
 * itself) brings the stack to an update with no changes. Every key the state held at the kill is
 * unchanged, there is one key per declared key, the key Secrets hold the published keys, and the
 * cluster's objects are the state's, each once.
 *
 * Each moment has a control plane and a stack of its own. The number of steps of an update from
 * empty is the number of resources in the first converged state; the later moments count on it.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_STACK } from "../../tools/local/project";
import { pulumiOk, runPulumi, stopPulumiCommands } from "../../tools/local/pulumi";
import { isStale, recoverInterruptedUpdate, stackLocks } from "../../tools/local/recovery";
import { createsKubernetesObject, type Progress } from "./engineEvents";
import {
  expectNoChanges,
  type FaultStack,
  killCommandTree,
  localApplications,
  outputTail,
  startFaultStack,
  startUpWithEvents,
  stopFaultStack,
  UP,
} from "./faultStack";
import {
  exportState,
  keySecretMismatches,
  keysInState,
  objectDifferences,
  privateKeyCount,
  publishedKeys,
} from "./stackChecks";

interface Moment {
  readonly name: string;
  readonly when: string;
  /** Whether the engine has got there, given the step total of an update from empty. */
  readonly reached: (progress: Progress, total: number) => boolean;
  readonly needsTotal: boolean;
}

const MOMENTS: readonly Moment[] = [
  {
    name: "early",
    when: "the first Kubernetes object is created",
    reached: (progress) => progress.done.some(createsKubernetesObject),
    needsTotal: false,
  },
  {
    name: "halfway",
    when: "half of the steps are done",
    reached: (progress, total) => progress.done.length >= Math.ceil(total / 2),
    needsTotal: true,
  },
  {
    name: "near the end",
    when: "nine steps in ten are done",
    reached: (progress, total) => progress.done.length >= Math.ceil(total * 0.9),
    needsTotal: true,
  },
];

/** The sealing key, the system Flux's deploy key and one deploy key per application. */
const DECLARED_KEYS = 2 + localApplications().length;

let stack: FaultStack | undefined;
let failed = false;
/** Steps of an update from empty, once a converged state has shown it. */
let total: number | undefined;

beforeEach(({ onTestFailed }) => {
  failed = false;
  onTestFailed(() => {
    failed = true;
  });
});

afterEach(async () => {
  const stopping = stack;
  stack = undefined;
  await stopFaultStack(stopping, failed);
});

afterAll(async () => {
  await stopPulumiCommands();
});

describe("pulumi up from empty, killed with SIGKILL", () => {
  for (const moment of MOMENTS) {
    it(`${moment.name}: killed when ${moment.when}, the recovery converges with the same keys`, async ({
      annotate,
      skip,
    }) => {
      if (moment.needsTotal && total === undefined) {
        skip("no step total: the early kill did not converge");
      }
      stack = await startFaultStack(`killed-${moment.name.replace(/\W+/g, "-")}`);
      const { command, events } = await startUpWithEvents(stack);
      let atKill: Progress | undefined;
      try {
        atKill = await events.until(
          (progress) => moment.reached(progress, total ?? 0),
          command.result,
        );
        if (atKill) await killCommandTree(command);
      } finally {
        await events.close();
      }
      const killed = await command.result;
      if (!atKill)
        throw new Error(`the update ended before ${moment.when}:\n${outputTail(killed)}`);
      expect(killed.code).not.toBe(0);

      // What the kill leaves: the lock of a process that is gone, and an update that stops on it.
      const locks = stackLocks(stack.context.backendDir, LOCAL_STACK);
      expect(locks.map(isStale)).toEqual([true]);
      const blocked = await runPulumi(UP, stack.context);
      expect(blocked.code).not.toBe(0);
      const lockMessage = `${blocked.stdout}\n${blocked.stderr}`.match(
        /error: the stack is currently locked.*/,
      )?.[0];
      expect(lockMessage, outputTail(blocked)).toBeDefined();

      const atKillState = await exportState(stack);
      const keysAtKill = keysInState(atKillState);
      const pendingCreates = atKillState.pendingOperations
        .filter((operation) => operation.type === "creating")
        .map((operation) => operation.urn);

      const recovery = await recoverInterruptedUpdate(stack.context, LOCAL_STACK);
      expect(recovery.removedLocks).toEqual(locks);
      expect(recovery.clearedPendingCreates).toEqual(pendingCreates);
      await pulumiOk(UP, { ...stack.context, extraEnv: recovery.upEnvironment });
      await expectNoChanges(stack);

      const state = await exportState(stack);
      expect(state.pendingOperations).toEqual([]);
      expect(stackLocks(stack.context.backendDir, LOCAL_STACK)).toEqual([]);
      const keys = keysInState(state);
      // No key the state held at the kill was made again, and none was made twice.
      expect(Object.fromEntries(Object.keys(keysAtKill).map((urn) => [urn, keys[urn]]))).toEqual(
        keysAtKill,
      );
      expect(privateKeyCount(state)).toBe(DECLARED_KEYS);
      expect(await keySecretMismatches(stack, await publishedKeys(stack))).toEqual([]);
      expect(await objectDifferences(stack, state)).toEqual({
        orphaned: [],
        missing: [],
        recordedTwice: [],
      });

      total ??= state.resources.length;
      await annotate(
        `killed after ${atKill.done.length} of ${total} steps done, ` +
          `${atKill.begun.length - atKill.done.length} under way, ` +
          `${Object.keys(keysAtKill).length} key(s) and certificate(s) in state; ` +
          `the next up: "${lockMessage}"; recovery: lock removed, ` +
          `${pendingCreates.length} pending create(s) cleared and adopted ` +
          `(${pendingCreates.map((urn) => urn.split("::").at(-1)).join(", ")})`,
      );
    });
  }
});
