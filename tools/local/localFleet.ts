/**
 * A fleet on this machine, built the same way for the fleet stage and the bench: stacks of one
 * project copy (fleetProject.ts) in a file backend, each with a control plane of its own on
 * 127.0.0.1, prepared as the local stack expects (cluster.ts). Everything lives under one
 * directory, which is emptied first.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type ControlPlane, startControlPlane } from "../control-plane/controlPlane";
import { KubeApi } from "../kube/api";
import { prepareForLocalStack } from "./cluster";
import { type FleetStack, prepareFleetProject } from "./fleetProject";
import { pulumiOk, type PulumiContext } from "./pulumi";
import { stopLocalRunOrFail } from "./teardown";

/** Where a local fleet under `workDir` keeps what. */
export interface LocalFleetLayout {
  /** The project copy: `--work-dir` of the fleet command. */
  readonly projectDir: string;
  /** The file backend's directory. */
  readonly stateDir: string;
  /** `--log-dir` of the fleet command. */
  readonly logDir: string;
}

export function localFleetLayout(workDir: string): LocalFleetLayout {
  return {
    projectDir: join(workDir, "project"),
    stateDir: join(workDir, "state"),
    logDir: join(workDir, "logs"),
  };
}

export interface LocalFleetStack extends FleetStack {
  readonly cluster: ControlPlane;
}

export interface LocalFleetOptions {
  /** Emptied first; holds the project copy, the backend, the control planes and the logs. */
  readonly workDir: string;
  /** Each gets a control plane of its own and `tenant` as its one tenant. */
  readonly stacks: readonly Pick<FleetStack, "name" | "tenant">[];
  /** Stacks of the project created in the backend with no cluster and no config of their own. */
  readonly bareStacks?: readonly string[];
}

export interface LocalFleet extends LocalFleetLayout {
  /** By stack name, in the order given. */
  readonly stacks: ReadonlyMap<string, LocalFleetStack>;
  /**
   * Stops any pulumi command of this process and every control plane, and fails naming each
   * process or port that is left; idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts the control planes (side by side), prepares each cluster, writes the project copy and
 * creates the stacks, none deployed. If any of it fails, whatever started is stopped first.
 */
export async function startLocalFleet(options: LocalFleetOptions): Promise<LocalFleet> {
  const layout = localFleetLayout(options.workDir);
  rmSync(options.workDir, { recursive: true, force: true });
  mkdirSync(layout.stateDir, { recursive: true });

  const started = await Promise.allSettled(
    options.stacks.map((stack) =>
      startControlPlane({ dir: join(options.workDir, `cluster-${stack.name}`) }),
    ),
  );
  const stacks = new Map<string, LocalFleetStack>();
  started.forEach((result, index) => {
    const stack = options.stacks[index];
    if (result.status !== "fulfilled" || !stack) return;
    const cluster = result.value;
    stacks.set(stack.name, { ...stack, kubeconfigPath: cluster.kubeconfigPath, cluster });
  });
  const clusters = [...stacks.values()].map((stack) => stack.cluster);
  const pulumiContext: PulumiContext = { cwd: layout.projectDir, backendDir: layout.stateDir };
  const fleet: LocalFleet = {
    ...layout,
    stacks,
    stop: () => stopLocalRunOrFail(clusters),
  };

  try {
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (const cluster of clusters) await prepareForLocalStack(new KubeApi(cluster));
    prepareFleetProject(layout.projectDir, [...stacks.values()]);
    for (const name of [...stacks.keys(), ...(options.bareStacks ?? [])]) {
      await pulumiOk(["stack", "init", name], pulumiContext);
    }
    return fleet;
  } catch (error) {
    // The failure that got us here says more than one in stopping.
    await fleet.stop().catch(() => undefined);
    throw error;
  }
}
