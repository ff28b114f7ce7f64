/**
 * Whether a workload the runner started is ready, as a kubelet's readiness probe would tell: its
 * process runs, and its health endpoint (on the loopback address the substitutions gave it)
 * answers with 200. The Flux managers serve /readyz on `--health-addr`; the sealed-secrets
 * controller serves /healthz on `--listen-addr`, the probe its Deployment names.
 */
import { readFileSync } from "node:fs";
import { get } from "../../kube/http";
import { NotReadyError, waitFor, within } from "../../kube/waitFor";
import { GitOpsError } from "../errors";
import type { WorkloadReport } from "./runner";
import type { Program } from "./workloads";

/** Where each program answers its readiness probe: the flag holding the address, and the path. */
const READINESS_PROBES: Record<Program, { flag: string; path: string }> = {
  "flux-operator": { flag: "--health-addr", path: "/readyz" },
  "source-controller": { flag: "--health-addr", path: "/readyz" },
  "kustomize-controller": { flag: "--health-addr", path: "/readyz" },
  "sealed-secrets-controller": { flag: "--listen-addr", path: "/healthz" },
};

/** The value of `--<flag>=` on a running process's command line. */
export function flagOf(pid: number, flag: string): string | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.find((arg) => arg.startsWith(`${flag}=`))?.slice(flag.length + 1);
  } catch {
    return undefined;
  }
}

/** Why the workload is not ready yet, or true. */
export async function workloadReadiness(
  report: WorkloadReport | undefined,
): Promise<true | string> {
  if (!report) return "the runner has not seen its Deployment yet";
  if (report.state !== "running" || report.pid === undefined) {
    return `${report.state}: ${report.reason}`;
  }
  if (report.program === undefined) return "the runner has no program for it";
  const probe = READINESS_PROBES[report.program];
  const address = flagOf(report.pid, probe.flag);
  if (!address) return `pid ${report.pid} has no ${probe.flag}`;
  const url = `http://${address}${probe.path}`;
  const response = await get(url, undefined, 2_000).catch(() => undefined);
  return response?.status === 200 || `${url} answers ${response?.status ?? "nothing"}`;
}

/** Resolves once the workload is ready; fails after timeoutMs with the last reason. */
export async function waitForWorkloadReady(
  describe: string,
  report: () => WorkloadReport | undefined | Promise<WorkloadReport | undefined>,
  timeoutMs = 120_000,
): Promise<WorkloadReport> {
  let ready: WorkloadReport | undefined;
  try {
    await waitFor(
      async () => {
        const current = await report();
        const readiness = await workloadReadiness(current);
        if (readiness === true) ready = current;
        return readiness;
      },
      { deadline: within(timeoutMs), intervalMs: 500 },
    );
  } catch (error) {
    if (!(error instanceof NotReadyError)) throw error;
    throw new GitOpsError(
      `${describe} did not become ready in ${timeoutMs / 1000} s: ${error.message}`,
    );
  }
  return ready as WorkloadReport;
}
