/**
 * What `npm run local:status` reports, as data: the JSON that `-- --json` prints, which other
 * tools read. The shape is documented in docs/development/gitops-stage.md; a change to it raises
 * schemaVersion.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runningControlPlane } from "../../control-plane/controlPlane";
import { isRunning } from "../../control-plane/processes";
import { KubeApi } from "../../kube/api";
import { listFluxObjects, type FluxObjectStatus } from "../flux/objects";
import { gitServerLayout, repositoryDir } from "../gitServer/layout";
import { readServerState } from "../gitServer/state";
import { isSameProcess } from "../processes";
import { readAdminKubeconfig } from "../runner/kubeconfig";
import { readEnvironmentRecord } from "./environmentRecord";
import type { LocalEnvironmentLayout } from "./layout";
import { listSealedSecrets, type SealedSecretStatus } from "./sealedSecretsStatus";
import { runningSupervisor } from "./supervisorControl";
import { readWorkloadsFile } from "./workloadsFile";

export const STATUS_SCHEMA_VERSION = 1;

export interface RepositoryStatus {
  /** `system`, or an application's name: what `local:push` takes. */
  readonly target: string;
  /** `owner/repo` on the git server. */
  readonly repository: string;
  readonly url: string;
  /** The folder Flux applies; null for the repository root. */
  readonly path: string | null;
  /** The branch main's commit on the git server; null before the first push. */
  readonly head: string | null;
}

export interface ProcessStatus {
  readonly role: "control plane" | "git server" | "supervisor" | "workload";
  /** The component, or `<namespace>/<name>` of a Deployment the runner runs (or not). */
  readonly name: string;
  readonly pid: number | null;
  readonly running: boolean;
  /** For workloads, the runner's state: running, waiting, not run or stopped. */
  readonly state: string;
  /** What runs, or why it does not. */
  readonly detail: string;
}

export interface LocalStatus {
  readonly schemaVersion: typeof STATUS_SCHEMA_VERSION;
  readonly generatedAt: string;
  /** The admin kubeconfig of the local control plane (null before the first up:local). */
  readonly kubeconfig: string | null;
  readonly controlPlane: { readonly running: boolean; readonly server: string | null };
  readonly gitServer: {
    readonly running: boolean;
    readonly port: number | null;
    /** The line a client's known_hosts needs for the server. */
    readonly knownHosts: string | null;
  };
  readonly repositories: readonly RepositoryStatus[];
  /** Every Flux source, Kustomization, FluxInstance and ResourceSet; empty when none is readable. */
  readonly flux: readonly FluxObjectStatus[];
  /** Every SealedSecret and whether it was decrypted; empty when none is readable. */
  readonly sealedSecrets: readonly SealedSecretStatus[];
  readonly processes: readonly ProcessStatus[];
  /** What could not be read, and why. */
  readonly problems: readonly string[];
}

/** The commit a branch of a bare repository points at, read from its refs (no git needed). */
export function branchHead(gitDir: string, branch = "main"): string | null {
  const loose = join(gitDir, "refs", "heads", branch);
  if (existsSync(loose)) return readFileSync(loose, "utf8").trim();
  const packed = join(gitDir, "packed-refs");
  if (!existsSync(packed)) return null;
  const line = readFileSync(packed, "utf8")
    .split("\n")
    .find((entry) => entry.endsWith(` refs/heads/${branch}`));
  return line?.split(" ")[0] ?? null;
}

export async function localStatus(layout: LocalEnvironmentLayout): Promise<LocalStatus> {
  const problems: string[] = [];
  const record = readEnvironmentRecord(layout.record);
  if (!record) problems.push("up:local has not run here");
  const git = gitServerLayout(layout.gitServer);
  const gitState = existsSync(git.stateFile) ? readServerState(git) : undefined;
  const sshdRuns =
    gitState?.sshd !== undefined && isSameProcess(gitState.sshd.pid, gitState.sshd.startTime);
  const cluster = runningControlPlane(layout.cluster);

  let flux: FluxObjectStatus[] = [];
  let sealedSecrets: SealedSecretStatus[] = [];
  if (cluster) {
    const api = new KubeApi(readAdminKubeconfig(cluster.kubeconfigPath));
    try {
      flux = await listFluxObjects(api);
    } catch (error) {
      problems.push(`reading Flux's objects: ${(error as Error).message}`);
    }
    try {
      sealedSecrets = await listSealedSecrets(api);
    } catch (error) {
      problems.push(`reading the SealedSecrets: ${(error as Error).message}`);
    }
  } else {
    problems.push("the control plane is not running; start it with `npm run up:local`");
  }

  const processes: ProcessStatus[] = [
    ...(cluster?.processes ?? []).map((process) => ({
      role: "control plane" as const,
      name: process.component,
      pid: process.pid,
      running: isRunning(process.pid),
      state: isRunning(process.pid) ? "running" : "exited",
      detail: process.binary,
    })),
  ];
  if (gitState?.sshd) {
    processes.push({
      role: "git server",
      name: "sshd",
      pid: gitState.sshd.pid,
      running: sshdRuns,
      state: sshdRuns ? "running" : "exited",
      detail: `127.0.0.1:${gitState.port}`,
    });
  }
  if (record && !sshdRuns) problems.push("the git server is not running");
  const supervisor = runningSupervisor(layout);
  if (supervisor) {
    processes.push({
      role: "supervisor",
      name: "process runner",
      pid: supervisor.pid,
      running: true,
      state: "running",
      detail: `log ${layout.supervisorLog}`,
    });
    for (const workload of readWorkloadsFile(layout.workloads)?.workloads ?? []) {
      processes.push({
        role: "workload",
        name: `${workload.namespace}/${workload.name}`,
        pid: workload.pid ?? null,
        running: workload.pid !== undefined && isRunning(workload.pid),
        state: workload.state,
        detail: workload.reason,
      });
    }
  } else if (record) {
    problems.push("the supervisor is not running, so no operator or controller runs");
  }

  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    kubeconfig: record?.kubeconfig ?? cluster?.kubeconfigPath ?? null,
    controlPlane: { running: cluster !== undefined, server: cluster?.server ?? null },
    gitServer: {
      running: sshdRuns,
      port: gitState?.port ?? null,
      knownHosts: existsSync(git.knownHosts) ? readFileSync(git.knownHosts, "utf8").trim() : null,
    },
    repositories: (record?.repositories ?? []).map((synced) => ({
      target: synced.target,
      repository: synced.repository,
      url: synced.url,
      path: synced.path ?? null,
      head: branchHead(repositoryDir(git, synced.repository)),
    })),
    flux,
    sealedSecrets,
    processes,
    problems,
  };
}
