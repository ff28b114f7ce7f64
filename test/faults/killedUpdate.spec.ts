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
 * The kills at "halfway" and "near the end" also wait for a key to be made, so the same-keys
 * check has keys to compare, and for a Kubernetes create the events show begun and not finished,
 * so the kill meets an operation under way. "Near the end" is nine steps in ten done, or all but
 * eight if that comes sooner, so that what is left outlasts the events' lag behind the engine. A
 * command that ends before its moment, or finishes before the kill lands, fails the test as a
 * missed moment. At least one of the three kills leaves a pending create, so the clear-and-adopt
 * path of the recovery runs.
 *
 * The case seen by hand is the other way round: `pulumi destroy --exclude-protected` of a deployed
 * stack (docs/operations/sealing.md), killed once half of its deletes are done, then the next
 * `pulumi up`. It leaves pending deletes instead. The same recovery, update and checks follow;
 * the keys the state still held at the kill (the protected sealing key among them) are kept, and
 * the keys already deleted are made anew, as after a whole destroy.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_STACK } from "../../tools/local/project";
import { pulumiOk, runPulumi, stopPulumiCommands } from "../../tools/local/pulumi";
import { isStale, recoverInterruptedUpdate, stackLocks } from "../../tools/local/recovery";
import {
  createsKubernetesObject,
  kubernetesCreateUnderWay,
  type Progress,
  progressSeen,
} from "./engineEvents";
import {
  expectNoChanges,
  type FaultStack,
  killCommandTree,
  localApplications,
  outputTail,
  startFaultStack,
  STACK,
  startWithEvents,
  stopFaultStack,
  UP,
} from "./faultStack";
import {
  exportState,
  keySecretMismatches,
  keysInState,
  objectDifferences,
  PRIVATE_KEY,
  privateKeyCount,
  publishedKeys,
  type StackState,
} from "./stackChecks";

/**
 * Keys do not depend on any Kubernetes object, yet on a loaded machine the tls provider can start
 * after half of the objects are made (a CI run saw 33 of 66 steps done and no key). The later
 * moments also wait for a key, so the same-keys check always has one to compare.
 */
const createsPrivateKey = (step: Progress["done"][number]): boolean =>
  step.op === "create" && step.type === PRIVATE_KEY;

/**
 * Steps done "near the end": nine in ten, or all but eight if that is fewer. The events lag the
 * engine, and a CI run that waited for nine in ten had only five steps left, which a loaded
 * machine can finish before the kill lands.
 */
const STEPS_LEFT_NEAR_THE_END = 8;
const nearTheEnd = (total: number): number =>
  Math.min(Math.ceil(total * 0.9), total - STEPS_LEFT_NEAR_THE_END);

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
    when: "half of the steps are done, a key is made and a Kubernetes create is under way",
    reached: (progress, total) =>
      progress.done.length >= Math.ceil(total / 2) &&
      progress.done.some(createsPrivateKey) &&
      kubernetesCreateUnderWay(progress),
    needsTotal: true,
  },
  {
    name: "near the end",
    when:
      "nine steps in ten, or all but eight if fewer, are done, a key is made and a " +
      "Kubernetes create is under way",
    reached: (progress, total) =>
      progress.done.length >= nearTheEnd(total) &&
      progress.done.some(createsPrivateKey) &&
      kubernetesCreateUnderWay(progress),
    needsTotal: true,
  },
];

/** The sealing key, the system Flux's deploy key and one deploy key per application. */
const DECLARED_KEYS = 2 + localApplications().length;

let stack: FaultStack | undefined;
let failed = false;
/** Steps of an update from empty, once a converged state has shown it. */
let total: number | undefined;
/** Pending creates each kill of `up` left, by moment. */
const pendingCreatesByMoment = new Map<string, number>();

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

/**
 * Runs the command with its engine events and kills it, the CLI and every plugin, once `reached`
 * holds; returns the progress at the kill. Fails, saying the moment was missed, when the command
 * ended before it or finished before the kill landed.
 */
async function killWhen(
  faultStack: FaultStack,
  args: readonly string[],
  reached: (progress: Progress) => boolean,
  when: string,
): Promise<Progress> {
  const { command, events } = await startWithEvents(faultStack, args);
  let atKill: Progress | undefined;
  try {
    atKill = await events.until(reached, command.result);
    if (atKill) await killCommandTree(command);
  } finally {
    await events.close();
  }
  const killed = await command.result;
  if (!atKill) {
    throw new Error(
      `missed the moment: pulumi ${args[0]} ended (exit ${killed.code}) before ${when}; ` +
        `the engine had reported ${progressSeen(events.progress)}:\n${outputTail(killed)}`,
    );
  }
  if (killed.code === 0) {
    throw new Error(
      `missed the moment: pulumi ${args[0]} finished before the kill landed; it was sent ` +
        `when ${when} (${progressSeen(atKill)}):\n${outputTail(killed)}`,
    );
  }
  return atKill;
}

interface Converged {
  /** The error of the `pulumi up` that met the killed command's lock. */
  readonly lockMessage: string;
  /** The public half of each key and certificate in state at the kill, by URN. */
  readonly keysAtKill: Record<string, string>;
  /** Objects the state held at the kill and the cluster no longer did. */
  readonly goneAtKill: readonly string[];
  readonly pendingOperations: StackState["pendingOperations"];
  readonly state: StackState;
}

/**
 * After a kill: the lock of a process that is gone, and an update that stops on it; then the
 * recovery, one update, the closing no-change check, and the checks every kill ends with.
 */
async function recoverAndConverge(faultStack: FaultStack): Promise<Converged> {
  const locks = stackLocks(faultStack.context.backendDir, LOCAL_STACK);
  expect(locks.map(isStale)).toEqual([true]);
  const blocked = await runPulumi(UP, faultStack.context);
  expect(blocked.code).not.toBe(0);
  const lockMessage = `${blocked.stdout}\n${blocked.stderr}`.match(
    /error: the stack is currently locked.*/,
  )?.[0];
  expect(lockMessage, outputTail(blocked)).toBeDefined();

  const atKillState = await exportState(faultStack);
  const keysAtKill = keysInState(atKillState);
  const { pendingOperations } = atKillState;
  const goneAtKill = (await objectDifferences(faultStack, atKillState)).missing;

  const recovery = await recoverInterruptedUpdate(faultStack.context, LOCAL_STACK);
  expect(recovery.removedLocks).toEqual(locks);
  expect(recovery.clearedPendingOperations).toEqual(pendingOperations);
  // The refresh clears every pending operation, not only the creates.
  expect((await exportState(faultStack)).pendingOperations).toEqual([]);
  await pulumiOk(UP, { ...faultStack.context, extraEnv: recovery.upEnvironment });
  await expectNoChanges(faultStack);

  const state = await exportState(faultStack);
  expect(state.pendingOperations).toEqual([]);
  expect(stackLocks(faultStack.context.backendDir, LOCAL_STACK)).toEqual([]);
  const keys = keysInState(state);
  // No key the state held at the kill was made again, and none was made twice.
  expect(Object.fromEntries(Object.keys(keysAtKill).map((urn) => [urn, keys[urn]]))).toEqual(
    keysAtKill,
  );
  expect(privateKeyCount(state)).toBe(DECLARED_KEYS);
  expect(await keySecretMismatches(faultStack, await publishedKeys(faultStack))).toEqual([]);
  expect(await objectDifferences(faultStack, state)).toEqual({
    orphaned: [],
    missing: [],
    recordedTwice: [],
  });
  return { lockMessage: lockMessage ?? "", keysAtKill, goneAtKill, pendingOperations, state };
}

const shortNames = (operations: StackState["pendingOperations"]): string =>
  operations.map((operation) => operation.urn.split("::").at(-1)).join(", ") || "none";

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
      const atKill = await killWhen(
        stack,
        UP,
        (progress) => moment.reached(progress, total ?? 0),
        moment.when,
      );

      const { lockMessage, keysAtKill, pendingOperations, state } = await recoverAndConverge(stack);
      const pendingCreates = pendingOperations.filter((operation) => operation.type === "creating");
      pendingCreatesByMoment.set(moment.name, pendingCreates.length);
      // The later moments wait for a key's create; the state written with it holds the key.
      if (moment.needsTotal) expect(Object.keys(keysAtKill).length).toBeGreaterThan(0);

      total ??= state.resources.length;
      await annotate(
        `killed after ${atKill.done.length} of ${total} steps done, ` +
          `${atKill.begun.length - atKill.done.length} under way, ` +
          `${Object.keys(keysAtKill).length} key(s) and certificate(s) in state; ` +
          `the next up: "${lockMessage}"; recovery: lock removed, ` +
          `${pendingCreates.length} pending create(s) cleared and adopted ` +
          `(${shortNames(pendingCreates)})`,
      );
    });
  }

  it("at least one of the kills left a pending create, so the objects were adopted", ({ skip }) => {
    if (pendingCreatesByMoment.size < MOMENTS.length) skip("not every kill converged");
    expect([...pendingCreatesByMoment.values()].some((count) => count > 0)).toBe(true);
  });
});

/** As docs/operations/sealing.md takes the stack down: everything but the protected keys. */
const DESTROY = ["destroy", "--yes", "--skip-preview", "--exclude-protected", ...STACK];

const isKubernetesObject = (type: string): boolean => type.startsWith("kubernetes:");

const kubernetesDeletes = (steps: Progress["done"]): number =>
  steps.filter((step) => step.op === "delete" && isKubernetesObject(step.type)).length;

describe("pulumi destroy of a deployed stack, killed with SIGKILL", () => {
  it("halfway: killed with half of its deletes done and one under way, the recovery and the next up converge", async ({
    annotate,
  }) => {
    stack = await startFaultStack("killed-destroy");
    await pulumiOk(UP, stack.context);
    const deployed = await exportState(stack);
    const objects = deployed.resources.filter(
      (resource) => resource.custom && !resource.protect && isKubernetesObject(resource.type),
    ).length;
    const half = Math.ceil(objects / 2);

    const atKill = await killWhen(
      stack,
      DESTROY,
      (progress) =>
        kubernetesDeletes(progress.done) >= half &&
        kubernetesDeletes(progress.begun) > kubernetesDeletes(progress.done),
      "half of its deletes were done",
    );

    const { lockMessage, keysAtKill, goneAtKill, pendingOperations } =
      await recoverAndConverge(stack);
    // The protected sealing key and its certificate, at least, were in state.
    expect(Object.keys(keysAtKill).length).toBeGreaterThan(0);
    const pendingTypes = [...new Set(pendingOperations.map((operation) => operation.type))];
    await annotate(
      `killed after ${kubernetesDeletes(atKill.done)} of ${objects} object deletes done, ` +
        `${kubernetesDeletes(atKill.begun) - kubernetesDeletes(atKill.done)} under way, ` +
        `${Object.keys(keysAtKill).length} key(s) and certificate(s) still in state; ` +
        `the next up: "${lockMessage}"; pending: ${pendingOperations.length} ` +
        `(${pendingTypes.join(", ") || "none"}: ${shortNames(pendingOperations)}); ` +
        `in state and gone from the cluster at the kill: ${goneAtKill.length} ` +
        `(${goneAtKill.join(", ") || "none"}); the recovery and one up converged`,
    );
  });
});
