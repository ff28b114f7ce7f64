/**
 * One local stack on a control plane of its own, for one fault scenario: a new temporary directory
 * holds the control plane, the project copy and the file backend, so scenarios share nothing with
 * each other, with other suites or with `npm run up:local`. Whatever fails, stopFaultStack leaves
 * no process running (pulumi, its plugins, the control plane, an API server started again) and
 * removes the directory; after a failure it first prints the last lines of each control-plane log.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type ControlPlane, startControlPlane } from "../../tools/control-plane/controlPlane";
import { KubeApi } from "../../tools/kube/api";
import { prepareForLocalStack } from "../../tools/local/cluster";
import { killNow } from "../../tools/local/markedProcesses";
import { LOCAL_STACK, prepareProjectCopy } from "../../tools/local/project";
import { REPO_ROOT } from "../../tools/repoRoot";
import {
  type PulumiContext,
  type PulumiResult,
  killPulumiProcesses,
  pulumiOk,
  runPulumi,
  type StartedPulumi,
  startPulumi,
} from "../../tools/local/pulumi";
import { stopLocalRunOrFail } from "../../tools/local/teardown";
import { EngineEventStream } from "./engineEvents";

export interface FaultStack {
  readonly workDir: string;
  readonly clusterDir: string;
  readonly cluster: ControlPlane;
  readonly api: KubeApi;
  readonly context: PulumiContext;
  /** `host:port` of the API server, as an error message would name it. */
  readonly apiserverAddress: string;
}

export const STACK = ["--stack", LOCAL_STACK];
/** An update without the preview run first: the program runs once, and events are the update's. */
export const UP = ["up", "--yes", "--skip-preview", ...STACK];

interface Application {
  readonly name: string;
  readonly repository: string;
}

/** The applications Pulumi.local.yaml declares. */
export function localApplications(): Application[] {
  const stackFile = parse(readFileSync(join(REPO_ROOT, `Pulumi.${LOCAL_STACK}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  return (stackFile.config["k8s-flux:applications"] ?? []) as Application[];
}

/** The local stack with one more tenant: an update with objects and a key to create. */
export function addTenant(stack: FaultStack, name: string): void {
  const applications = [
    ...localApplications(),
    { name, repository: `git@github.com:acme/${name}-flux.git` },
  ];
  prepareProjectCopy(stack.context.cwd, stack.cluster.kubeconfigPath, { applications });
}

/** A new control plane with what a pre-installed Flux Operator leaves, and an empty stack. */
export async function startFaultStack(label: string): Promise<FaultStack> {
  const workDir = mkdtempSync(join(tmpdir(), `k8s-flux-faults-${label}-`));
  const clusterDir = join(workDir, "cluster");
  let cluster: ControlPlane | undefined;
  try {
    cluster = await startControlPlane({ dir: clusterDir });
    const stack: FaultStack = {
      workDir,
      clusterDir,
      cluster,
      api: new KubeApi(cluster),
      context: { cwd: join(workDir, "project"), backendDir: join(workDir, "state") },
      apiserverAddress: new URL(cluster.server).host,
    };
    await prepareForLocalStack(stack.api);
    prepareProjectCopy(stack.context.cwd, cluster.kubeconfigPath);
    await pulumiOk(["stack", "init", LOCAL_STACK], stack.context);
    return stack;
  } catch (error) {
    await cluster?.stop();
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Stops every pulumi command, then the control plane (an API server started again included),
 * removes the work directory, and fails naming any process or port that is left.
 */
export async function stopFaultStack(
  stack: FaultStack | undefined,
  failed: boolean,
): Promise<void> {
  try {
    await stopLocalRunOrFail(stack ? [stack.cluster] : [], { printLogTails: failed });
  } finally {
    if (stack) rmSync(stack.workDir, { recursive: true, force: true });
  }
}

/** SIGKILL to a command and every process it started, the CLI first; resolves once all are gone. */
export async function killCommandTree(command: StartedPulumi): Promise<void> {
  if (command.pid !== undefined) killNow([command.pid]);
  await killPulumiProcesses();
}

/** A command whose engine events come here as it runs. Close the stream after its result. */
export async function startWithEvents(
  stack: FaultStack,
  args: readonly string[],
): Promise<{ command: StartedPulumi; events: EngineEventStream }> {
  const events = await EngineEventStream.open();
  const command = startPulumi([...args, ...events.pulumiArgs], {
    ...stack.context,
    extraEnv: { ...EngineEventStream.environment },
  });
  return { command, events };
}

/** An update whose engine events come here as it runs. Close the stream after its result. */
export const startUpWithEvents = (
  stack: FaultStack,
  args: readonly string[] = [],
): Promise<{ command: StartedPulumi; events: EngineEventStream }> =>
  startWithEvents(stack, [...UP, ...args]);

/** The command's last lines, stdout and stderr, for a message. */
export const outputTail = (result: PulumiResult, lines = 30): string =>
  `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-lines).join("\n");

/**
 * How every scenario ends: an update with no changes, which compares the program with the state,
 * and then a preview with a refresh and no changes, which compares both with the cluster: an
 * object adopted with the wrong content, or one the state holds and the cluster lost, shows
 * there and not in the update. Fails with the last lines of the command that changed something.
 */
export async function expectNoChanges(stack: FaultStack): Promise<void> {
  for (const args of [
    [...UP, "--expect-no-changes"],
    ["preview", "--refresh", "--expect-no-changes", "--diff", ...STACK],
  ]) {
    const result = await runPulumi(args, stack.context);
    if (result.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} failed:\n${outputTail(result, 60)}`);
    }
  }
}

/**
 * Registers a spec file's hooks for one deployed stack: started and brought up before its tests,
 * stopped after them (printing the logs' tails when a test failed). Returns the stack's getter.
 */
export function useDeployedFaultStack(label: string): () => FaultStack {
  let stack: FaultStack | undefined;
  let failed = false;
  beforeAll(async () => {
    stack = await startFaultStack(label);
    await pulumiOk(UP, stack.context);
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      failed = true;
    });
  });
  afterAll(async () => {
    await stopFaultStack(stack, failed);
  });
  return () => {
    if (!stack) throw new Error("the stack did not start");
    return stack;
  };
}
