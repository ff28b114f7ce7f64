/**
 * Whether a workload the runner started is ready, as a kubelet's readiness probe would tell: its
 * process runs, and its health endpoint (the loopback `--health-addr` the substitutions gave it)
 * answers /readyz with 200. The Flux managers all serve /readyz there.
 */
import { readFileSync } from "node:fs";
import { get } from "../../kube/http";
import { GitOpsError } from "../errors";
import type { WorkloadReport } from "./runner";

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
  const health = flagOf(report.pid, "--health-addr");
  if (!health) return `pid ${report.pid} has no --health-addr`;
  const response = await get(`http://${health}/readyz`, undefined, 2_000).catch(() => undefined);
  return (
    response?.status === 200 || `http://${health}/readyz answers ${response?.status ?? "nothing"}`
  );
}

/** Resolves once the workload is ready; fails after timeoutMs with the last reason. */
export async function waitForWorkloadReady(
  describe: string,
  report: () => WorkloadReport | undefined | Promise<WorkloadReport | undefined>,
  timeoutMs = 120_000,
): Promise<WorkloadReport> {
  const deadline = Date.now() + timeoutMs;
  let why = "";
  for (;;) {
    const current = await report();
    const readiness = await workloadReadiness(current);
    if (readiness === true && current) return current;
    why = readiness === true ? why : readiness;
    if (Date.now() > deadline) {
      throw new GitOpsError(`${describe} did not become ready in ${timeoutMs / 1000} s: ${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
