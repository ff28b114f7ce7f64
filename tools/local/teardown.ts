/**
 * The end of a local run (an e2e file, a fault scenario, the GitOps stage, a local fleet): every
 * pulumi command this process started is stopped, then each control plane, the second also when
 * the first fails, and what is left is reported, so that the run fails loudly on any leftover.
 */
import {
  describeLeftovers,
  failIfLeft,
  stopControlPlanes,
  type ControlPlaneLeftovers,
  type StoppableControlPlane,
  type TeardownOptions,
} from "../control-plane/teardown";
import { pulumiProcessesLeft, stopPulumiCommands } from "./pulumi";

/** What stopping left behind; after a clean stop every list is empty. */
export interface LocalRunLeftovers extends ControlPlaneLeftovers {
  /** Processes our pulumi commands started that still run. */
  readonly pulumi: number[];
}

/** Stops the pulumi commands, then the control planes; reports what still runs or listens. */
export async function stopLocalRun(
  clusters: readonly StoppableControlPlane[],
  options: TeardownOptions = {},
): Promise<LocalRunLeftovers> {
  const problems: string[] = [];
  try {
    await stopPulumiCommands();
  } catch (error) {
    problems.push(`stopping the pulumi commands: ${(error as Error).message}`);
  }
  const left = await stopControlPlanes(clusters, options);
  return { ...left, problems: [...problems, ...left.problems], pulumi: pulumiProcessesLeft() };
}

/** One line for each thing left, as a failure names it; none after a clean stop. */
export function describeLocalLeftovers(left: LocalRunLeftovers): string[] {
  return [
    ...describeLeftovers(left),
    ...left.pulumi.map((pid) => `pulumi command process ${pid} still runs`),
  ];
}

/** stopLocalRun, failing with every leftover named when anything is left. */
export async function stopLocalRunOrFail(
  clusters: readonly StoppableControlPlane[],
  options: TeardownOptions = {},
): Promise<void> {
  failIfLeft(describeLocalLeftovers(await stopLocalRun(clusters, options)));
}
