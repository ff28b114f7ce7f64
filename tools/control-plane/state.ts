/**
 * state.json in a control plane's directory: what was started, written as each process starts,
 * so a later `cluster:down` (or `cluster:up` finding a stale one) can stop exactly those.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseJsonOr } from "../problems";
import { ControlPlaneError } from "./errors";
import type { ControlPlanePorts } from "./ports";

export interface RecordedProcess {
  component: string;
  pid: number;
  binary: string;
}

export interface ControlPlaneState {
  server: string;
  kubeconfigPath: string;
  ports: ControlPlanePorts;
  processes: RecordedProcess[];
}

export function writeState(path: string, state: ControlPlaneState): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** The state with `started` as its component's process, in place of any earlier one. */
export function withProcess(state: ControlPlaneState, started: RecordedProcess): ControlPlaneState {
  const recorded = { component: started.component, pid: started.pid, binary: started.binary };
  const replaced = state.processes.some((p) => p.component === started.component);
  return {
    ...state,
    processes: replaced
      ? state.processes.map((p) => (p.component === started.component ? recorded : p))
      : [...state.processes, recorded],
  };
}

/** undefined when there is no state file; throws on one that isn't ours. */
export function readState(path: string): ControlPlaneState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseState(text, path);
}

export function parseState(text: string, path: string): ControlPlaneState {
  const invalid = (): Error =>
    new ControlPlaneError(
      `${path} is not a control-plane state file; stop any etcd or kube-* processes by hand and remove its directory`,
    );
  const state = parseJsonOr(text, invalid) as Partial<ControlPlaneState> | null;
  const processesValid =
    Array.isArray(state?.processes) &&
    state.processes.every(
      (p: Partial<RecordedProcess>) =>
        typeof p.component === "string" &&
        Number.isInteger(p.pid) &&
        (p.pid ?? 0) > 1 &&
        typeof p.binary === "string",
    );
  const portsValid =
    typeof state?.ports === "object" &&
    state.ports !== null &&
    Object.values(state.ports).every((port) => Number.isInteger(port));
  if (
    !processesValid ||
    !portsValid ||
    typeof state?.server !== "string" ||
    typeof state.kubeconfigPath !== "string"
  ) {
    throw invalid();
  }
  return state as ControlPlaneState;
}
