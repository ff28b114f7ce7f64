/**
 * The Flux Operator built from the proxy, run by the process runner from the Deployment its chart
 * would make, against a real control plane: it starts with the chart's args and env plus the
 * listed substitutions, and installs Flux from the manifests bundled in its module. Needs the
 * control plane's binaries and the operator's (`npm run tools:build -- control-plane gitops`).
 */
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../tools/control-plane/controlPlane";
import {
  fluxOperatorDeployment,
  fluxOperatorModuleDir,
  fluxOperatorWorkload,
  OPERATOR_NAME,
  OPERATOR_NAMESPACE,
} from "../../tools/gitops/fluxOperator/runConfig";
import { fluxControllerWorkloads } from "../../tools/gitops/runner/localWorkloads";
import { flagOf, waitForWorkloadReady } from "../../tools/gitops/runner/readiness";
import { ProcessRunner, type WorkloadReport } from "../../tools/gitops/runner/runner";
import { KubeApi } from "../../tools/kube/api";
import { applyInOrder, formatRejection } from "../../tools/kube/apply";
import type { Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";

let controlPlane: ControlPlane;
let api: KubeApi;
let runner: ProcessRunner;
let root: string;
let moduleDir: string;

async function applyAll(manifests: readonly Manifest[]): Promise<void> {
  const result = await applyInOrder(api, manifests);
  expect(result.rejections.map(formatRejection)).toEqual([]);
}

/** Syncs the runner until `check` finds what it looks for; the failure says what that was. */
async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  let found: T | undefined;
  await waitFor(
    async () => {
      await runner.sync();
      found = await check();
      return found !== undefined || `still waiting for ${what}`;
    },
    { deadline: within(timeoutMs), intervalMs: 500 },
  );
  return found as T;
}

/** The runner's report of a workload once its readiness probe passes. */
const readyWorkload = (name: string): Promise<WorkloadReport> =>
  waitForWorkloadReady(name, async () => {
    await runner.sync();
    return reportOf(name);
  });

beforeAll(async () => {
  moduleDir = await fluxOperatorModuleDir();
  const workloads = [fluxOperatorWorkload(moduleDir), ...fluxControllerWorkloads()];
  for (const workload of workloads) {
    try {
      accessSync(workload.binary, constants.X_OK);
    } catch {
      throw new Error(`${workload.binary} is not built; run \`npm run tools:build -- gitops\``);
    }
  }
  controlPlane = await startControlPlane();
  api = new KubeApi(controlPlane);
  root = mkdtempSync(join(tmpdir(), "flux-operator-spec-"));

  const crdDir = join(moduleDir, "config", "crd", "bases");
  const crds = readdirSync(crdDir).flatMap((file) =>
    parseAllDocuments(readFileSync(join(crdDir, file), "utf8")).map(
      (document) => document.toJSON() as Manifest,
    ),
  );
  await applyAll([
    ...crds,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: OPERATOR_NAMESPACE } },
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: OPERATOR_NAME, namespace: OPERATOR_NAMESPACE },
    },
    // The chart's templates/admin-clusterrole.yaml: the operator's account is cluster-admin.
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: OPERATOR_NAME },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "cluster-admin",
      },
      subjects: [{ kind: "ServiceAccount", name: OPERATOR_NAME, namespace: OPERATOR_NAMESPACE }],
    },
    { ...fluxOperatorDeployment({ multitenancy: { enabled: true }, web: { enabled: false } }) },
  ]);
  runner = await ProcessRunner.start({
    kubeconfigPath: controlPlane.kubeconfigPath,
    stateDir: join(root, "runner"),
    workloads,
    intervalMs: 60_000,
  });
}, 300_000);

/** A failed test shows the end of every log the runner keeps, so the cause is in the output. */
afterEach((context) => {
  if (context.task.result?.state !== "fail") return;
  for (const report of runner?.report() ?? []) {
    if (!report.logPath) continue;
    const tail = readFileSync(report.logPath, "utf8").trimEnd().split("\n").slice(-15).join("\n");
    console.error(
      `--- ${report.namespace}/${report.name} (${report.state}: ${report.reason}) ---\n${tail}`,
    );
  }
});

afterAll(async () => {
  await runner?.stop();
  await controlPlane?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const reportOf = (name: string): WorkloadReport | undefined =>
  runner.report().find((report) => report.namespace === OPERATOR_NAMESPACE && report.name === name);

describe("the Flux Operator run by the process runner", () => {
  it("starts with the chart's args and env plus the local substitutions, and becomes ready", async () => {
    const report = reportOf(OPERATOR_NAME);
    expect(report, JSON.stringify(runner.report())).toMatchObject({ state: "running" });
    const pid = report?.pid as number;
    // The runner spawns setpriv, which execs the operator in the same process: only once the
    // operator is ready is the command line surely the operator's.
    expect(await readyWorkload(OPERATOR_NAME)).toMatchObject({ state: "running", pid });
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(1, -1);
    const stateDir = join(root, "runner", OPERATOR_NAMESPACE, OPERATOR_NAME);
    expect(args).toEqual([
      "--log-level=info",
      "--default-service-account=flux-operator",
      "--enable-leader-election=false",
      expect.stringMatching(/^--metrics-addr=127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^--health-addr=127\.0\.0\.1:\d+$/),
      `--storage-path=${stateDir}/image/data`,
    ]);
    const env = Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, "utf8")
        .split("\0")
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    );
    expect(env).toMatchObject({
      RUNTIME_NAMESPACE: OPERATOR_NAMESPACE,
      REPORTING_INTERVAL: "5m",
      WEB_SERVER_PORT: "0",
      GODEBUG: "fips140=on",
      KUBECONFIG: `${stateDir}/kubeconfig`,
    });
  });

  it("installs Flux for a multitenant FluxInstance from the manifests in its module", async () => {
    await applyAll([
      {
        apiVersion: "fluxcd.controlplane.io/v1",
        kind: "FluxInstance",
        metadata: { name: "flux", namespace: OPERATOR_NAMESPACE },
        spec: {
          distribution: { version: "2.9.x", registry: "ghcr.io/fluxcd" },
          components: ["source-controller", "kustomize-controller"],
          cluster: { multitenant: true, networkPolicy: false },
          wait: false,
        },
      },
    ]);
    const ready = await poll("FluxInstance flux to be Ready", async () => {
      const response = await api.get(
        `/apis/fluxcd.controlplane.io/v1/namespaces/${OPERATOR_NAMESPACE}/fluxinstances/flux`,
      );
      const conditions =
        (
          response.body as {
            status?: { conditions?: { type: string; status: string; message: string }[] };
          }
        ).status?.conditions ?? [];
      return conditions.find(
        (condition) => condition.type === "Ready" && condition.status === "True",
      );
    });
    expect(ready.message).toMatch(/Reconciliation finished/);

    const kustomize = await api.get(
      `/apis/apps/v1/namespaces/${OPERATOR_NAMESPACE}/deployments/kustomize-controller`,
    );
    const args = (
      kustomize.body as { spec: { template: { spec: { containers: { args: string[] }[] } } } }
    ).spec.template.spec.containers[0]?.args;
    expect(args).toEqual(
      expect.arrayContaining(["--no-cross-namespace-refs=true", "--no-remote-bases=true"]),
    );

    await runner.sync();
    expect(reportOf("helm-controller")).toBeUndefined();
  });

  it("runs source-controller and kustomize-controller as the operator applied them, until they are ready", async () => {
    for (const name of ["source-controller", "kustomize-controller"]) {
      const ready = await readyWorkload(name);
      expect(ready.reason).toMatch(new RegExp(` as ServiceAccount ${OPERATOR_NAMESPACE}/${name}$`));
    }
    // The operator's multitenant lockdown reaches the process as it reached the Deployment.
    const kustomizePid = reportOf("kustomize-controller")?.pid as number;
    expect(flagOf(kustomizePid, "--no-cross-namespace-refs")).toBe("true");
    expect(flagOf(kustomizePid, "--no-remote-bases")).toBe("true");
    const sourcePid = reportOf("source-controller")?.pid as number;
    const storage = flagOf(sourcePid, "--storage-adv-addr");
    expect(storage).toBe(flagOf(sourcePid, "--storage-addr"));
    expect(storage).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
