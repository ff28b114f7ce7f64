/**
 * The end of a run that started control planes: each is stopped, whatever failed before or fails
 * in another, and then checked gone by what it recorded, every pid it ever ran (an API server
 * started again included) and its ports, so that a teardown fails loudly if anything is left.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ControlPlane } from "./controlPlane";
import { tailLines } from "./errors";
import { layout } from "./layout";
import { HOST, portsStillInUse } from "./ports";
import { isRunning } from "./processes";

/** What stopping left behind; after a clean stop every list is empty. */
export interface ControlPlaneLeftovers {
  /** What failed while stopping, one line each. */
  readonly problems: string[];
  /** Pids the control planes ran that still run. */
  readonly running: number[];
  /** Their ports that still have a listener. */
  readonly listening: number[];
}

/** The parts of a control plane its teardown uses. */
export type StoppableControlPlane = Pick<ControlPlane, "dir" | "ports" | "pids" | "stop">;

export interface TeardownOptions {
  /** A test failed: print the last lines of each log first, before stop() removes them. */
  readonly printLogTails?: boolean;
}

/**
 * Stops each control plane (side by side; one stopped before is not stopped again), then reports
 * which of their processes still run and which of their ports still have a listener.
 */
export async function stopControlPlanes(
  clusters: readonly StoppableControlPlane[],
  options: TeardownOptions = {},
): Promise<ControlPlaneLeftovers> {
  if (options.printLogTails) for (const cluster of clusters) printLogTails(cluster.dir);
  const stopped = await Promise.allSettled(clusters.map((cluster) => cluster.stop()));
  const problems = stopped.flatMap((result, index) =>
    result.status === "rejected"
      ? [`stopping the control plane in ${clusters[index]?.dir}: ${messageOf(result.reason)}`]
      : [],
  );
  const running = clusters.flatMap((cluster) => cluster.pids()).filter(isRunning);
  const listening: number[] = [];
  for (const cluster of clusters) listening.push(...(await portsStillInUse(cluster.ports)));
  return { problems, running, listening };
}

/** One line for each thing left, as a failure names it; none after a clean stop. */
export function describeLeftovers(left: ControlPlaneLeftovers): string[] {
  return [
    ...left.problems,
    ...left.running.map((pid) => `control-plane process ${pid} still runs`),
    ...left.listening.map((port) => `port ${port} on ${HOST} still has a listener`),
  ];
}

/** Throws one error naming each leftover; returns when there is none. */
export function failIfLeft(leftovers: readonly string[]): void {
  if (leftovers.length > 0) {
    throw new Error(`not everything stopped:\n${leftovers.map((line) => `- ${line}`).join("\n")}`);
  }
}

/** The last lines of each log of the control plane in `dir`, on stderr; nothing once it is gone. */
export function printLogTails(dir: string): void {
  const logDir = layout(dir).logDir;
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

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
