/**
 * The process runner: a stand-in for the kubelet, for the Deployments whose programs are built
 * here. It watches the API server's Deployments (a list every interval), and for each one in its
 * table starts the local binary with the container's args and env, plus only the substitutions in
 * substitutions.ts, authenticated as the Deployment's ServiceAccount with a TokenRequest token.
 * A changed pod template restarts the process, as a rollout would; a process that exits is
 * restarted with the kubelet's back-off. Every other Deployment is reported as not run: nothing
 * is faked Ready and no status is written.
 */
import { randomUUID } from "node:crypto";
import {
  accessSync,
  constants,
  cpSync,
  mkdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { join } from "node:path";
import { KubeApi, statusMessage, type KubeAccess } from "../../kube/api";
import { GitOpsError } from "../errors";
import { freePort } from "../ports";
import { isSameProcess, startProcess, stopProcessTree, type StartedProcess } from "../processes";
import {
  NotReadyToStart,
  resolveEnvironment,
  type ConfigReader,
  type PodFacts,
} from "./containerEnv";
import { deploymentKey, serviceAccountOf, type Deployment } from "./deployment";
import { readAdminKubeconfig, tokenKubeconfig } from "./kubeconfig";
import { chooseContainer, containerCommandLine, unsupportedFeature } from "./podSpec";
import { readRunnerState, writeRunnerState } from "./runnerState";
import { needsRenewal, requestToken, type ServiceAccountToken } from "./serviceAccountToken";
import { applySubstitutions, type BindMount, type SubstitutionContext } from "./substitutions";
import { templateHash } from "./templateHash";
import { imageMismatch, type Program, type RunnableWorkload } from "./workloads";

export type WorkloadState = "running" | "waiting" | "not run" | "stopped";

export interface WorkloadReport {
  namespace: string;
  name: string;
  state: WorkloadState;
  /** Why it is not running, or what it runs. */
  reason: string;
  program?: Program;
  pid?: number;
  restarts: number;
  templateHash?: string;
  logPath?: string;
  /** The substitutions applied at the last start, by target. */
  substitutions?: string[];
  /** The loopback ports the substitutions gave it at the last start, by purpose (`health`, …). */
  ports?: Record<string, number>;
}

export interface RunnerOptions {
  /** The admin kubeconfig of the local API server. */
  kubeconfigPath: string;
  /** Logs, kubeconfigs, tokens, volumes and pids, under .cache/ for the local environment. */
  stateDir: string;
  workloads: readonly RunnableWorkload[];
  /** How often Deployments are listed. Default 2 s. */
  intervalMs?: number;
  /** For `up:local`: the processes keep running after this Node process ends. */
  outlivesParent?: boolean;
  /** One line per change (started, restarted, exited, not run), for a log or the terminal. */
  onEvent?: (message: string) => void;
}

interface Running {
  process: StartedProcess;
  startedAt: number;
  templateHash: string;
  token: ServiceAccountToken;
  tokenPath: string;
  serviceAccount: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

interface Tracked {
  workload: RunnableWorkload;
  running?: Running;
  restarts: number;
  backoffMs: number;
  restartAfter: number;
  lastTemplateHash?: string;
  report: WorkloadReport;
}

const INITIAL_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 300_000;
/** A process that ran this long without exiting resets the back-off, as the kubelet does. */
const BACKOFF_RESET_MS = 600_000;

/** The in-cluster wrapper: bind-mount each `source target` pair up to `--`, then exec the rest. */
const BIND_AND_EXEC =
  'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; shift; exec "$@"';

function writeAtomically(path: string, text: string, mode = 0o600): void {
  writeFileSync(`${path}.tmp`, text, { mode });
  renameSync(`${path}.tmp`, path);
}

export class ProcessRunner {
  private readonly api: KubeApi;
  private readonly access: KubeAccess;
  private readonly tracked = new Map<string, Tracked>();
  private others: WorkloadReport[] = [];
  private syncing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly options: RunnerOptions) {
    this.access = readAdminKubeconfig(options.kubeconfigPath);
    this.api = new KubeApi(this.access);
    for (const workload of options.workloads) {
      const key = deploymentKey(workload.namespace, workload.name);
      if (this.tracked.has(key))
        throw new GitOpsError(`${key} is listed twice in the runner's table`);
      this.tracked.set(key, {
        workload,
        restarts: 0,
        backoffMs: INITIAL_BACKOFF_MS,
        restartAfter: 0,
        report: {
          namespace: workload.namespace,
          name: workload.name,
          program: workload.program,
          state: "waiting",
          reason: "not seen yet",
          restarts: 0,
        },
      });
    }
  }

  /** Starts watching; resolves after the first pass over the Deployments. */
  static async start(options: RunnerOptions): Promise<ProcessRunner> {
    const runner = new ProcessRunner(options);
    mkdirSync(join(options.stateDir, "logs"), { recursive: true });
    await runner.stopLeftovers();
    try {
      await runner.sync();
    } catch (error) {
      await runner.stop();
      throw error;
    }
    runner.schedule();
    return runner;
  }

  /** One pass: list Deployments, start, restart or stop processes. Passes never overlap. */
  sync(): Promise<void> {
    const pass = this.syncing.then(() => (this.stopped ? undefined : this.syncOnce()));
    this.syncing = pass.catch(() => undefined);
    return pass;
  }

  /** Every Deployment the runner has seen or was told about, sorted by namespace and name. */
  report(): WorkloadReport[] {
    return [
      ...[...this.tracked.values()].map((entry) => ({ ...entry.report })),
      ...this.others,
    ].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  }

  /** Stops watching and every process it started; resolves once they are gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.syncing;
    for (const entry of this.tracked.values()) await this.stopProcess(entry, "the runner stopped");
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sync()
        .catch((error: unknown) => this.event(`sync failed: ${(error as Error).message}`))
        .finally(() => this.schedule());
    }, this.options.intervalMs ?? 2_000);
    // The runner never keeps Node alive by itself; its owner decides when to stop.
    this.timer.unref();
  }

  private event(message: string): void {
    this.options.onEvent?.(message);
  }

  private async listDeployments(): Promise<Deployment[]> {
    const response = await this.api.get("/apis/apps/v1/deployments");
    if (response.status !== 200) {
      throw new GitOpsError(`listing Deployments: ${response.status} ${statusMessage(response)}`);
    }
    return (response.body as { items: Deployment[] }).items;
  }

  private async syncOnce(): Promise<void> {
    const deployments = await this.listDeployments();
    this.others = deployments
      .filter(
        (deployment) =>
          !this.tracked.has(deploymentKey(deployment.metadata.namespace, deployment.metadata.name)),
      )
      .map((deployment) => ({
        namespace: deployment.metadata.namespace,
        name: deployment.metadata.name,
        state: "not run" as const,
        reason: `no local binary for this Deployment (image ${deployment.spec.template.spec.containers
          .map((container) => container.image ?? "?")
          .join(", ")})`,
        restarts: 0,
      }));
    const byKey = new Map(
      deployments.map((deployment) => [
        deploymentKey(deployment.metadata.namespace, deployment.metadata.name),
        deployment,
      ]),
    );
    for (const [key, entry] of this.tracked) {
      if (this.stopped) return;
      await this.syncWorkload(entry, byKey.get(key));
    }
  }

  private setReport(
    entry: Tracked,
    state: WorkloadState,
    reason: string,
    extra: Partial<WorkloadReport> = {},
  ): void {
    const before = entry.report;
    entry.report = {
      namespace: entry.workload.namespace,
      name: entry.workload.name,
      program: entry.workload.program,
      state,
      reason,
      restarts: entry.restarts,
      ...(entry.lastTemplateHash ? { templateHash: entry.lastTemplateHash } : {}),
      ...(before.logPath ? { logPath: before.logPath } : {}),
      ...(before.substitutions ? { substitutions: before.substitutions } : {}),
      ...(before.ports ? { ports: before.ports } : {}),
      ...extra,
    };
    if (before.state !== state || before.reason !== reason) {
      this.event(`${entry.workload.namespace}/${entry.workload.name}: ${state}: ${reason}`);
    }
  }

  private async syncWorkload(entry: Tracked, deployment: Deployment | undefined): Promise<void> {
    if (!deployment) {
      await this.endPod(entry, "its Deployment is gone");
      this.setReport(entry, "waiting", "no such Deployment");
      return;
    }
    if (deployment.spec.replicas === 0) {
      await this.endPod(entry, "scaled to 0 replicas");
      this.setReport(entry, "stopped", "scaled to 0 replicas");
      return;
    }
    const hash = templateHash(deployment.spec.template);
    const running = entry.running;
    if (running && running.templateHash !== hash) {
      await this.endPod(entry, "its pod template changed");
    } else if (running && running.exit) {
      const ranFor = Date.now() - running.startedAt;
      if (ranFor > BACKOFF_RESET_MS) entry.backoffMs = INITIAL_BACKOFF_MS;
      entry.restartAfter = Date.now() + entry.backoffMs;
      entry.backoffMs = Math.min(entry.backoffMs * 2, MAX_BACKOFF_MS);
      entry.running = undefined;
      this.recordProcess(entry, undefined);
      const how = running.exit.signal
        ? `killed by ${running.exit.signal}`
        : `exited with code ${running.exit.code}`;
      entry.restarts++;
      this.setReport(
        entry,
        "waiting",
        `${how}; restarting in ${Math.round((entry.restartAfter - Date.now()) / 1000)} s`,
      );
      return;
    } else if (running) {
      if (needsRenewal(running.token)) await this.renewToken(entry, running, deployment);
      return;
    }
    if (Date.now() < entry.restartAfter) return;
    await this.startWorkload(entry, deployment, hash);
  }

  private async renewToken(
    entry: Tracked,
    running: Running,
    deployment: Deployment,
  ): Promise<void> {
    try {
      running.token = await requestToken(
        this.api,
        deployment.metadata.namespace,
        running.serviceAccount,
      );
      writeAtomically(running.tokenPath, running.token.token);
    } catch (error) {
      this.event(
        `${entry.workload.namespace}/${entry.workload.name}: token renewal failed: ${(error as Error).message}`,
      );
    }
  }

  private workloadDir(workload: RunnableWorkload): string {
    return join(this.options.stateDir, workload.namespace, workload.name);
  }

  private async startWorkload(entry: Tracked, deployment: Deployment, hash: string): Promise<void> {
    const { workload } = entry;
    entry.lastTemplateHash = hash;
    let container;
    try {
      try {
        accessSync(workload.binary, constants.X_OK);
      } catch {
        throw new GitOpsError(
          `${workload.binary} is not built (run \`npm run tools:build -- gitops\`)`,
        );
      }
      container = chooseContainer(deployment, workload);
      const otherImage = imageMismatch(container.image, workload);
      if (otherImage) throw new GitOpsError(otherImage);
      const unsupported = unsupportedFeature(deployment, container);
      if (unsupported) throw new GitOpsError(unsupported);
    } catch (error) {
      this.setReport(entry, "not run", (error as Error).message);
      return;
    }

    const dir = this.workloadDir(workload);
    const newPod = entry.restarts === 0;
    // A new pod gets new emptyDir volumes; a restarted container keeps its pod's.
    if (newPod) rmSync(join(dir, "volumes"), { recursive: true, force: true });
    const files: SubstitutionContext["files"] = {
      kubeconfig: join(dir, "kubeconfig"),
      serviceAccountDir: join(dir, "serviceaccount"),
      home: join(dir, "home"),
      tmp: join(dir, "tmp"),
      volumeDir: (volume) => join(dir, "volumes", volume),
      imageDir: (path) => join(dir, "image", path.replace(/^\/+/, "").replaceAll("/", "_")),
    };
    for (const path of [files.serviceAccountDir, files.home, files.tmp])
      mkdirSync(path, { recursive: true });
    for (const mount of container.volumeMounts ?? [])
      mkdirSync(files.volumeDir(mount.name), { recursive: true });
    for (const [imagePath, source] of Object.entries(workload.imageFiles ?? {})) {
      const target = files.imageDir(imagePath);
      rmSync(target, { recursive: true, force: true });
      cpSync(source, target, { recursive: true });
    }

    const template = deployment.spec.template;
    const serviceAccount = serviceAccountOf(template);
    const pod: PodFacts = {
      name: `${workload.name}-${hash.slice(0, 10)}`,
      namespace: workload.namespace,
      uid: randomUUID(),
      serviceAccountName: serviceAccount,
      nodeName: hostname(),
      podIP: "127.0.0.1",
      hostIP: "127.0.0.1",
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
    };
    let token: ServiceAccountToken;
    let line;
    let applied: string[];
    const ports = new Map<string, Promise<number>>();
    try {
      const env = await resolveEnvironment(
        container,
        template.spec.containers,
        pod,
        { cpus: cpus().length, memoryBytes: totalmem() },
        this.configReader(),
      );
      token = await requestToken(this.api, workload.namespace, serviceAccount);
      line = containerCommandLine(container, env);
      const server = new URL(this.access.server);
      applied = await applySubstitutions(line, {
        workload,
        container,
        volumes: template.spec.volumes ?? [],
        apiServer: { host: server.hostname, port: Number(server.port || 443) },
        files,
        port: (purpose) => {
          if (!ports.has(purpose)) ports.set(purpose, freePort());
          return ports.get(purpose) as Promise<number>;
        },
      });
    } catch (error) {
      const state = error instanceof NotReadyToStart ? "waiting" : "not run";
      this.setReport(entry, state, (error as Error).message);
      return;
    }

    const assignedPorts: Record<string, number> = {};
    for (const [purpose, port] of ports) assignedPorts[purpose] = await port;
    const tokenPath = join(files.serviceAccountDir, "token");
    writeAtomically(tokenPath, token.token);
    writeAtomically(join(files.serviceAccountDir, "ca.crt"), this.access.caPem, 0o644);
    writeAtomically(join(files.serviceAccountDir, "namespace"), workload.namespace, 0o644);
    writeAtomically(
      files.kubeconfig,
      tokenKubeconfig({
        server: this.access.server,
        caPem: this.access.caPem,
        tokenFile: tokenPath,
        namespace: workload.namespace,
        user: `system:serviceaccount:${workload.namespace}:${serviceAccount}`,
      }),
    );

    const logPath = join(
      this.options.stateDir,
      "logs",
      `${workload.namespace}.${workload.name}.log`,
    );
    const [command, args] = this.wrapped(workload.binary, line.args, line.bindMounts);
    let process: StartedProcess;
    try {
      process = await startProcess({
        command,
        args,
        env: Object.fromEntries(line.env),
        logPath,
        cwd: files.home,
        outlivesParent: this.options.outlivesParent ?? false,
      });
    } catch (error) {
      this.setReport(
        entry,
        "not run",
        `could not start ${workload.binary}: ${(error as Error).message}`,
      );
      return;
    }
    const running: Running = {
      process,
      startedAt: Date.now(),
      templateHash: hash,
      token,
      tokenPath,
      serviceAccount,
    };
    void process.exited.then((exit) => (running.exit = exit));
    entry.running = running;
    this.recordProcess(entry, process);
    this.setReport(
      entry,
      "running",
      `${workload.binary} as ServiceAccount ${workload.namespace}/${serviceAccount}`,
      {
        pid: process.pid,
        logPath,
        substitutions: applied,
        templateHash: hash,
        ports: assignedPorts,
      },
    );
  }

  /** The command that runs the binary; with bind mounts, inside a mount namespace of its own. */
  private wrapped(
    binary: string,
    args: string[],
    mounts: readonly BindMount[],
  ): [string, string[]] {
    if (mounts.length === 0) return [binary, args];
    // The mount point must exist; in the process's own namespace the mount hides what is there.
    for (const mount of mounts) mkdirSync(mount.target, { recursive: true });
    return [
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        BIND_AND_EXEC,
        "sh",
        ...mounts.flatMap((mount) => [mount.source, mount.target]),
        "--",
        binary,
        ...args,
      ],
    ];
  }

  private configReader(): ConfigReader {
    return {
      read: async (kind, namespace, name) => {
        const plural = kind === "Secret" ? "secrets" : "configmaps";
        const response = await this.api.get(`/api/v1/namespaces/${namespace}/${plural}/${name}`);
        if (response.status === 404) return undefined;
        if (response.status !== 200) {
          throw new NotReadyToStart(
            `reading ${kind} ${namespace}/${name}: ${response.status} ${statusMessage(response)}`,
          );
        }
        const data = (response.body as { data?: Record<string, string> }).data ?? {};
        return kind === "Secret"
          ? Object.fromEntries(
              Object.entries(data).map(([key, value]) => [
                key,
                Buffer.from(value, "base64").toString("utf8"),
              ]),
            )
          : data;
      },
    };
  }

  /** The pod is gone (rollout, scale-down, deletion): the next start is a new pod. */
  private async endPod(entry: Tracked, why: string): Promise<void> {
    await this.stopProcess(entry, why);
    entry.restarts = 0;
    entry.backoffMs = INITIAL_BACKOFF_MS;
    entry.restartAfter = 0;
  }

  private async stopProcess(entry: Tracked, why: string): Promise<void> {
    const running = entry.running;
    if (!running) return;
    entry.running = undefined;
    if (!running.exit) await stopProcessTree(running.process.pid);
    this.recordProcess(entry, undefined);
    this.event(
      `${entry.workload.namespace}/${entry.workload.name}: stopped pid ${running.process.pid}: ${why}`,
    );
  }

  private recordProcess(entry: Tracked, process: StartedProcess | undefined): void {
    const key = deploymentKey(entry.workload.namespace, entry.workload.name);
    const others = Object.entries(readRunnerState(this.options.stateDir)).filter(
      ([recorded]) => recorded !== key,
    );
    const entries = process
      ? [...others, [key, { pid: process.pid, startTime: process.startTime }] as const]
      : others;
    writeRunnerState(this.options.stateDir, Object.fromEntries(entries));
  }

  /** Processes a killed runner left (recorded, still the same process) are stopped first. */
  private async stopLeftovers(): Promise<void> {
    await stopRunner(this.options.stateDir);
  }
}

/** Stops every process the runner recorded in stateDir; returns how many were running. */
export async function stopRunner(stateDir: string): Promise<number> {
  const state = readRunnerState(stateDir);
  let stopped = 0;
  for (const recorded of Object.values(state)) {
    if (isSameProcess(recorded.pid, recorded.startTime)) {
      await stopProcessTree(recorded.pid);
      stopped++;
    }
  }
  writeRunnerState(stateDir, {});
  return stopped;
}
