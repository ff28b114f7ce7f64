/**
 * One local stack on a control plane of its own, for one fault scenario: a new temporary directory
 * holds the control plane, the project copy and the file backend, so scenarios share nothing with
 * each other, with other suites or with `npm run up:local`. Whatever fails, stopFaultStack leaves
 * no process running (pulumi, its plugins, the control plane, an API server started again) and
 * removes the directory; after a failure it first prints the last lines of each control-plane log.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, beforeEach } from "vitest";
import {
  type ControlPlane,
  startControlPlane,
  stopControlPlane,
} from "../../tools/control-plane/controlPlane";
import { tailLines } from "../../tools/control-plane/errors";
import { layout } from "../../tools/control-plane/layout";
import { isRunning } from "../../tools/control-plane/processes";
import { readState } from "../../tools/control-plane/state";
import { KubeApi } from "../../tools/kube/api";
import { prepareForLocalStack } from "../../tools/local/cluster";
import { killNow } from "../../tools/local/markedProcesses";
import { LOCAL_STACK, prepareProjectCopy } from "../../tools/local/project";
import { REPO_ROOT } from "../../tools/repoRoot";
import {
  type PulumiContext,
  type PulumiResult,
  pulumiOk,
  pulumiProcessesLeft,
  runPulumi,
  type StartedPulumi,
  startPulumi,
  stopPulumiCommands,
} from "../../tools/local/pulumi";
import { EngineEventStream } from "./engineEvents";

export interface FaultStack {
  readonly workDir: string;
  readonly clusterDir: string;
  readonly cluster: ControlPlane;
  readonly api: KubeApi;
  readonly context: PulumiContext;
  /** `host:port` of the API server, as an error message would name it. */
  readonly apiserverAddress: string;
  /** Every control-plane pid ever recorded, an API server started again included. */
  readonly controlPlanePids: Set<number>;
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

/** Records the pids the control plane's state.json names now. */
export function recordControlPlanePids(stack: FaultStack): void {
  for (const { pid } of readState(layout(stack.clusterDir).stateFile)?.processes ?? []) {
    stack.controlPlanePids.add(pid);
  }
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
      controlPlanePids: new Set(),
    };
    recordControlPlanePids(stack);
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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The last lines of each control-plane log, for a failure. */
function printControlPlaneLogs(stack: FaultStack): void {
  const logDir = layout(stack.clusterDir).logDir;
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return;
  }
  for (const name of names) {
    const lines = tailLines(readFileSync(join(logDir, name), "utf8"));
    console.error(`--- last ${lines.length} lines of ${name} ---\n${lines.join("\n")}`);
  }
}

/**
 * Stops every pulumi command, then the control plane as state.json records it now (an API server
 * started again included), removes the work directory, and fails if any process is left.
 */
export async function stopFaultStack(
  stack: FaultStack | undefined,
  failed: boolean,
): Promise<void> {
  try {
    await stopPulumiCommands();
  } finally {
    if (stack) {
      if (failed) printControlPlaneLogs(stack);
      recordControlPlanePids(stack);
      try {
        await stopControlPlane(stack.clusterDir);
      } finally {
        // Releases the exit guard of the first start; its processes are already gone.
        await stack.cluster.stop();
        rmSync(stack.workDir, { recursive: true, force: true });
      }
    }
  }
  const left = [
    ...pulumiProcessesLeft().map((pid) => `pulumi command process ${pid}`),
    ...[...(stack?.controlPlanePids ?? [])]
      .filter(isRunning)
      .map((pid) => `control-plane process ${pid}`),
  ];
  if (left.length > 0) throw new Error(`still running: ${left.join(", ")}`);
}

/** SIGKILL to a command and every process it started, the CLI first; resolves once all are gone. */
export async function killCommandTree(command: StartedPulumi): Promise<void> {
  if (command.pid !== undefined) killNow([command.pid]);
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const left = pulumiProcessesLeft();
    if (left.length === 0) return;
    killNow(left);
    await sleep(50);
  }
  throw new Error(`processes ${pulumiProcessesLeft().join(", ")} survived SIGKILL`);
}

/** An update whose engine events come here as it runs. Close the stream after its result. */
export async function startUpWithEvents(
  stack: FaultStack,
  args: readonly string[] = [],
): Promise<{ command: StartedPulumi; events: EngineEventStream }> {
  const events = await EngineEventStream.open();
  const command = startPulumi([...UP, ...args, ...events.pulumiArgs], {
    ...stack.context,
    extraEnv: { ...EngineEventStream.environment },
  });
  return { command, events };
}

/** The command's last lines, stdout and stderr, for a message. */
export const outputTail = (result: PulumiResult, lines = 30): string =>
  `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-lines).join("\n");

/** The no-change update every scenario ends with; fails with its last lines when it changes anything. */
export async function expectNoChanges(stack: FaultStack): Promise<void> {
  const result = await runPulumi([...UP, "--expect-no-changes"], stack.context);
  if (result.code !== 0) {
    throw new Error(`pulumi up --expect-no-changes failed:\n${outputTail(result)}`);
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
