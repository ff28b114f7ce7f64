/**
 * The API server of a running control plane goes away and comes back, as in an upgrade or a
 * crash: the same certificates, port and etcd data, while etcd and the controller manager keep
 * running. The control plane is found through its state.json, and the new pid is recorded there,
 * so stopControlPlane(dir) stops the API server that runs now. A control plane this process
 * started from the same directory takes the new API server as its own: its stop() stops it and
 * its pids() name it.
 */
import { readFileSync } from "node:fs";
import { get } from "../kube/http";
import { ExitedError, expectStatus, NotReadyError, waitFor, within } from "../kube/waitFor";
import { apiserverArgs } from "./args";
import { ControlPlaneError, describeExit, startFailureError } from "./errors";
import { layout, logPath } from "./layout";
import { readPem } from "./pki";
import { isRunning, launch, runsBinary, stopGroup } from "./processes";
import { recordExit, recordRestart } from "./processSet";
import { readState, type ControlPlaneState } from "./state";
import { binaries } from "./tools";

const APISERVER = "kube-apiserver";
const DEFAULT_READY_TIMEOUT_MS = 120_000;

function recordedState(stateDir: string): ControlPlaneState {
  const state = readState(layout(stateDir).stateFile);
  if (!state) throw new ControlPlaneError(`no control plane is recorded in ${stateDir}`);
  return state;
}

/** Stops the recorded API server (SIGTERM, SIGKILL after a grace period); returns its pid. */
export async function stopApiserver(stateDir: string): Promise<number> {
  const recorded = recordedState(stateDir).processes.find((p) => p.component === APISERVER);
  if (!recorded || !isRunning(recorded.pid) || !runsBinary(recorded.pid, recorded.binary)) {
    throw new ControlPlaneError(`no ${APISERVER} of the control plane in ${stateDir} runs`);
  }
  await stopGroup(recorded.pid);
  recordExit(stateDir, recorded.pid);
  return recorded.pid;
}

export interface ApiserverStartOptions {
  /** As for startControlPlane: keep running after this Node process ends. Default false. */
  readonly outlivesParent?: boolean;
  /** How long it may take to answer /readyz again. Default 120 s. */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts the API server again with the arguments it first had, records its pid in state.json and
 * resolves with that pid once /readyz answers 200. One that does not get ready is stopped.
 */
export async function startApiserver(
  stateDir: string,
  options: ApiserverStartOptions = {},
): Promise<number> {
  const files = layout(stateDir);
  const state = recordedState(stateDir);
  const launched = await launch({
    component: APISERVER,
    binary: binaries.kubeApiserver,
    args: apiserverArgs(files, state.ports),
    logPath: logPath(files, APISERVER),
    outlivesParent: options.outlivesParent ?? false,
  });
  recordRestart(stateDir, launched);
  const admin = {
    caPem: readPem(files.pki.caCert),
    certPem: readPem(files.pki.cert("admin")),
    keyPem: readPem(files.pki.key("admin")),
  };
  try {
    await waitFor(async () => expectStatus(await get(`${state.server}/readyz`, admin), "/readyz"), {
      deadline: within(options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS),
      exited: launched.exited,
    });
  } catch (error) {
    await stopGroup(launched.pid);
    recordExit(stateDir, launched.pid);
    if (!(error instanceof ExitedError) && !(error instanceof NotReadyError)) throw error;
    const what =
      error instanceof ExitedError
        ? `${describeExit(error.code, error.signal)} before it was ready again`
        : `was not ready again in time (last check: ${error.message})`;
    throw startFailureError({
      component: APISERVER,
      what,
      logText: readFileSync(launched.logPath, "utf8"),
    });
  }
  return launched.pid;
}
