/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) on 127.0.0.1,
 * for the cluster tests' globalSetup and for `npm run cluster:up`. The binaries come from
 * `npm run tools:build -- control-plane`; nothing here builds.
 *
 * Whatever happens, nothing is left running: a failed start stops what it started, stop() and
 * stopControlPlane() wait for the processes to exit and check that their ports are free, and an
 * interrupted or dying parent takes the processes with it (unless outlivesParent is set).
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { toolVersions } from "../go/versions";
import { apiserverArgs, apiserverUrl, controllerManagerArgs, etcdArgs, etcdUrl } from "./args";
import { ControlPlaneError, describeExit, startFailureError } from "./errors";
import { kubeconfigYaml } from "./kubeconfig";
import { layout, logPath } from "./layout";
import { createPki, readPem } from "./pki";
import { allocatePorts, assertPortsFree, HOST, type ControlPlanePorts } from "./ports";
import { isRunning, launch, runsBinary, stopGroup, type Launched } from "./processes";
import { ProcessSet } from "./processSet";
import { get, type TlsIdentity } from "../kube/http";
import {
  ExitedError,
  expectStatus,
  NotReadyError,
  waitFor,
  type ProbeResult,
} from "../kube/waitFor";
import { readState, type ControlPlaneState } from "./state";
import { binaries } from "./tools";
import { REPO_ROOT } from "../repoRoot";

export type { ControlPlanePorts } from "./ports";

export interface ControlPlaneOptions {
  /**
   * Where certificates, etcd data, logs and the kubeconfig go; it must not exist or be empty.
   * Default: a new directory under the system temp dir. Removed (or emptied) by stop().
   */
  dir?: string;
  /** Ports to use on 127.0.0.1; each one left out is picked free. A given port must be free. */
  ports?: Partial<ControlPlanePorts>;
  /** How long the whole start may take before it is given up. Default 180 s. */
  readyTimeoutMs?: number;
  /**
   * For `cluster:up`: once ready, the processes keep running after this Node process ends, and
   * stopControlPlane(dir) stops them. Until ready, an interrupt still stops everything.
   */
  outlivesParent?: boolean;
}

export interface ControlPlane {
  dir: string;
  /** Admin kubeconfig (certificates inlined). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  caPem: string;
  /** Client certificate of user kubernetes-admin in group system:masters. */
  adminCertPem: string;
  adminKeyPem: string;
  /** The same three PEMs as files, e.g. for `curl --cacert --cert --key`. */
  caPath: string;
  adminCertPath: string;
  adminKeyPath: string;
  /** gitVersion the API server reports at /version, e.g. "v1.36.3". */
  version: string;
  ports: ControlPlanePorts;
  /**
   * Every process this control plane has run, an API server started again in this process
   * (apiserverRestart.ts) included: what a check that nothing outlives stop() looks for.
   */
  pids(): number[];
  /**
   * Stops everything that runs now (an API server started again included), waits for exit, checks
   * the ports are free, removes the directory. Idempotent.
   */
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 180_000;

/**
 * Starts etcd, kube-apiserver and kube-controller-manager, each waited for before the next.
 * Resolves once the API server is ready, the controller manager healthy and the `default`
 * ServiceAccount exists. Otherwise stops whatever it started and rejects with a
 * ControlPlaneError: one line saying what failed, then the failing process's last log lines.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  requireBinaries();
  const { dir, created } = prepareDirectory(options.dir);
  const files = layout(dir);
  const deadline = Date.now() + (options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  const processes = new ProcessSet(files, created);
  const releaseGuard = guardAgainstParentExit(processes);

  try {
    const ports = await allocatePorts(options.ports);
    const server = apiserverUrl(ports);
    const pki = await createPki(files.pki.dir);
    const caPem = readPem(pki.caCert);
    const adminCertPem = readPem(pki.cert("admin"));
    const adminKeyPem = readPem(pki.key("admin"));
    const admin: TlsIdentity = { caPem, certPem: adminCertPem, keyPem: adminKeyPem };
    writeKubeconfig(files.kubeconfig, server, admin, "kubernetes-admin");
    writeKubeconfig(
      files.controllerManagerKubeconfig,
      server,
      {
        caPem,
        certPem: readPem(pki.cert("controller-manager-client")),
        keyPem: readPem(pki.key("controller-manager-client")),
      },
      "system:kube-controller-manager",
    );
    mkdirSync(files.logDir, { recursive: true });
    processes.record({ server, kubeconfigPath: files.kubeconfig, ports, processes: [] });

    const start = async (component: string, binary: string, args: string[]): Promise<Launched> => {
      let launched: Launched;
      try {
        launched = await launch({
          component,
          binary,
          args,
          logPath: logPath(files, component),
          outlivesParent: options.outlivesParent ?? false,
        });
      } catch (error) {
        throw new ControlPlaneError(
          `could not start ${component} (${binary}): ${(error as Error).message}; run \`npm run tools:build -- control-plane\` and try again`,
        );
      }
      processes.add(launched);
      return launched;
    };

    const etcd = await start("etcd", binaries.etcd, etcdArgs(files, ports));
    await ready(etcd, deadline, async () => {
      const health = await get(`${etcdUrl(ports.etcdClient)}/health`);
      return /"health":\s*"true"/.test(health.body) || expectStatus(health, "/health");
    });

    const apiserver = await start(
      "kube-apiserver",
      binaries.kubeApiserver,
      apiserverArgs(files, ports),
    );
    await ready(apiserver, deadline, async () =>
      expectStatus(await get(`${server}/readyz`, admin), "/readyz"),
    );

    const controllerManager = await start(
      "kube-controller-manager",
      binaries.kubeControllerManager,
      controllerManagerArgs(files, ports),
    );
    await ready(controllerManager, deadline, async () =>
      expectStatus(
        await get(`https://${HOST}:${ports.controllerManager}/healthz`, { caPem }),
        "/healthz",
      ),
    );
    // The service-account controller creating `default` shows the controllers really work
    // against this API server, not just that the process serves /healthz.
    await ready(controllerManager, deadline, async () =>
      expectStatus(
        await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, admin),
        "the default ServiceAccount",
      ),
    );

    const version = await serverVersion(server, admin);
    if (options.outlivesParent) releaseGuard();

    return {
      dir,
      kubeconfigPath: files.kubeconfig,
      server,
      caPem,
      adminCertPem,
      adminKeyPem,
      caPath: pki.caCert,
      adminCertPath: pki.cert("admin"),
      adminKeyPath: pki.key("admin"),
      version,
      ports,
      pids: () => processes.pids(),
      stop: async () => {
        releaseGuard();
        await processes.stop();
      },
    };
  } catch (error) {
    releaseGuard();
    await processes.stop().catch(() => undefined);
    throw error;
  }
}

export interface StopReport {
  /** Components that were running and were stopped, in stop order. */
  stopped: string[];
  /** Whether a state directory was there at all. */
  found: boolean;
}

/**
 * Stops the control plane recorded in stateDir (by `cluster:up`), checks its ports are free and
 * removes the directory. Only pids that still run the recorded binary are signalled.
 */
export async function stopControlPlane(stateDir: string): Promise<StopReport> {
  const files = layout(stateDir);
  if (!existsSync(stateDir)) return { stopped: [], found: false };
  const state = readState(files.stateFile);
  const stopped: string[] = [];
  for (const recorded of [...(state?.processes ?? [])].reverse()) {
    if (isRunning(recorded.pid) && runsBinary(recorded.pid, recorded.binary)) {
      await stopGroup(recorded.pid);
      stopped.push(recorded.component);
    }
  }
  if (state) await assertPortsFree(state.ports);
  rmSync(stateDir, { recursive: true, force: true, maxRetries: 5 });
  return { stopped, found: true };
}

/** The recorded control plane in stateDir if any of its processes still runs. */
export function runningControlPlane(stateDir: string): ControlPlaneState | undefined {
  const state = readState(layout(stateDir).stateFile);
  const alive = state?.processes.some((p) => isRunning(p.pid) && runsBinary(p.pid, p.binary));
  return alive ? state : undefined;
}

function requireBinaries(): void {
  const needed: [string, string, string][] = [
    ["etcd", toolVersions.etcd, binaries.etcd],
    ["kube-apiserver", toolVersions.kubernetes, binaries.kubeApiserver],
    ["kube-controller-manager", toolVersions.kubernetes, binaries.kubeControllerManager],
  ];
  for (const [name, version, path] of needed) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      throw new ControlPlaneError(
        `${name} ${version} is not built (no ${relative(REPO_ROOT, path)}); run \`npm run tools:build -- control-plane\` first`,
      );
    }
  }
}

const TEMP_PREFIX = "k8s-flux-control-plane-";

/**
 * A run killed outright (SIGKILL, OOM) takes its processes with it but leaves its directory;
 * the next start removes those whose recorded processes have all gone.
 */
function removeAbandonedTempDirs(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    try {
      const state = readState(layout(dir).stateFile);
      const abandoned =
        state !== undefined &&
        state.processes.length > 0 &&
        !state.processes.some((p) => isRunning(p.pid) && runsBinary(p.pid, p.binary));
      if (abandoned) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Not ours to judge (unreadable, or another run's in the middle of writing it).
    }
  }
}

function prepareDirectory(requested: string | undefined): { dir: string; created: boolean } {
  if (requested === undefined) {
    removeAbandonedTempDirs();
    return { dir: mkdtempSync(join(tmpdir(), TEMP_PREFIX)), created: true };
  }
  if (!existsSync(requested)) {
    mkdirSync(requested, { recursive: true, mode: 0o700 });
    return { dir: requested, created: true };
  }
  if (readdirSync(requested).length > 0) {
    throw new ControlPlaneError(
      `${requested} is not empty; stop what runs from it (\`npm run cluster:down\` for .cache/cluster) or choose an empty directory`,
    );
  }
  return { dir: requested, created: false };
}

function writeKubeconfig(
  path: string,
  server: string,
  identity: TlsIdentity,
  userName: string,
): void {
  const yaml = kubeconfigYaml({
    server,
    caPem: identity.caPem,
    clientCertPem: identity.certPem ?? "",
    clientKeyPem: identity.keyPem ?? "",
    userName,
  });
  writeFileSync(path, yaml, { mode: 0o600 });
}

async function ready(
  launched: Launched,
  deadline: number,
  probe: () => Promise<ProbeResult>,
): Promise<void> {
  try {
    await waitFor(probe, { deadline, exited: launched.exited });
  } catch (error) {
    if (!(error instanceof ExitedError) && !(error instanceof NotReadyError)) throw error;
    const what =
      error instanceof ExitedError
        ? `${describeExit(error.code, error.signal)} before it was ready`
        : `was not ready in time (last check: ${error.message})`;
    throw startFailureError({
      component: launched.component,
      what,
      logText: readLog(launched.logPath),
    });
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function serverVersion(server: string, admin: TlsIdentity): Promise<string> {
  const response = await get(`${server}/version`, admin);
  const version = (JSON.parse(response.body) as { gitVersion?: unknown }).gitVersion;
  if (typeof version !== "string") {
    throw new ControlPlaneError(
      `kube-apiserver answered /version without a gitVersion: ${response.body}`,
    );
  }
  return version;
}

const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * While the guard is on, Ctrl-C or a kill stops the processes before this process goes, and a
 * plain exit kills them. Returns the release; releasing twice is harmless.
 */
function guardAgainstParentExit(processes: ProcessSet): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    void processes
      .stop()
      .catch(() => processes.killNow())
      .finally(() => {
        // Another handler (a test runner's) may still want the signal; otherwise die of it.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  };
  const onExit = (): void => processes.killNow();
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  process.once("exit", onExit);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    process.off("exit", onExit);
  };
}
