/**
 * The process runner against a real control plane, with a probe program standing in for the
 * controllers: it gets the Deployment's args and env plus the listed substitutions, is
 * authenticated as the Deployment's ServiceAccount, is restarted when the pod template changes,
 * and nothing is faked for a Deployment it has no binary for. Needs the control plane's binaries
 * (`npm run tools:build -- control-plane`) and root (the in-cluster case mounts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../tools/control-plane/controlPlane";
import { isRunning } from "../../tools/control-plane/processes";
import { KubeApi } from "../../tools/kube/api";
import type { Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";
import { ProcessRunner, type WorkloadReport } from "../../tools/gitops/runner/runner";
import type { Container, Deployment } from "../../tools/gitops/runner/deployment";
import { readRunnerState } from "../../tools/gitops/runner/runnerState";
import type { RunnableWorkload } from "../../tools/gitops/runner/workloads";

const NAMESPACE = "runner-test";
const PROBE = join(__dirname, "fixtures", "probe.mjs");

interface ProbeReport {
  pid: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  username: string;
  inClusterNamespace: string | null;
}

let controlPlane: ControlPlane;
let api: KubeApi;
let root: string;
let runner: ProcessRunner;
const reportDirs = { kubeconfig: "", inCluster: "" };

function deployment(
  name: string,
  serviceAccount: string,
  container: Partial<Container>,
  volumes = true,
): Deployment & {
  apiVersion: string;
  kind: string;
} {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [{ name: "manager", image: `example.test/${name}:v1`, ...container }],
          ...(volumes ? { volumes: [{ name: "data", emptyDir: {} }] } : {}),
        },
      },
    },
  };
}

async function applyOk(manifest: Manifest | ReturnType<typeof deployment>): Promise<void> {
  // A spread copy: an interface type has no index signature, an object type made from it does.
  const response = await api.apply({ ...manifest });
  expect(response.status, response.text).toBeLessThan(300);
}

/** The newest report the probe wrote in dir whose pid is not one of `except`. */
async function nextReport(
  dir: string,
  except: number[] = [],
  timeoutMs = 30_000,
): Promise<ProbeReport> {
  let found: ProbeReport | undefined;
  await waitFor(
    async () => {
      await runner.sync();
      found = readdirSync(dir)
        .filter((file) => file.endsWith(".json"))
        .map((file) => JSON.parse(readFileSync(join(dir, file), "utf8")) as ProbeReport)
        .find((report) => !except.includes(report.pid));
      return (
        found !== undefined ||
        `no probe report in ${dir}; runner says ${JSON.stringify(runner.report())}`
      );
    },
    { deadline: within(timeoutMs), intervalMs: 200 },
  );
  return found as ProbeReport;
}

const reportOf = (name: string): WorkloadReport | undefined =>
  runner.report().find((report) => report.namespace === NAMESPACE && report.name === name);

beforeAll(async () => {
  controlPlane = await startControlPlane();
  api = new KubeApi(controlPlane);
  root = mkdtempSync(join(tmpdir(), "process-runner-spec-"));
  reportDirs.kubeconfig = join(root, "reports-kubeconfig");
  reportDirs.inCluster = join(root, "reports-in-cluster");
  for (const dir of Object.values(reportDirs)) mkdirSync(dir);

  await applyOk({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } });
  for (const account of ["probe", "probe-in-cluster"]) {
    await applyOk({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: account, namespace: NAMESPACE },
    });
  }
  await applyOk({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "probe-settings", namespace: NAMESPACE },
    stringData: { password: "from-a-secret" },
  });
  await applyOk(
    deployment("probe", "probe", {
      args: [
        "--storage-path=/data",
        "--storage-adv-addr=probe.$(RUNTIME_NAMESPACE).svc.cluster.local.",
        "--enable-leader-election",
        "--greeting=$(GREETING)",
      ],
      env: [
        { name: "RUNTIME_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "GREETING", value: "hello" },
        {
          name: "PASSWORD",
          valueFrom: { secretKeyRef: { name: "probe-settings", key: "password" } },
        },
        { name: "REPORT_DIR", value: reportDirs.kubeconfig },
      ],
      volumeMounts: [{ name: "data", mountPath: "/data" }],
    }),
  );
  await applyOk(
    deployment(
      "probe-in-cluster",
      "probe-in-cluster",
      {
        command: ["controller"],
        args: ["--key-renew-period=0"],
        env: [{ name: "REPORT_DIR", value: reportDirs.inCluster }],
      },
      false,
    ),
  );
  await applyOk(
    deployment("helm-controller", "default", { args: ["--watch-all-namespaces"] }, false),
  );
  await applyOk(deployment("not-built", "default", { args: [] }, false));

  const workloads: RunnableWorkload[] = [
    {
      namespace: NAMESPACE,
      name: "probe",
      program: "source-controller",
      binary: PROBE,
      builtFor: { imageTag: "v1", version: "v1" },
      identity: "kubeconfig",
    },
    {
      namespace: NAMESPACE,
      name: "probe-in-cluster",
      program: "sealed-secrets-controller",
      binary: PROBE,
      builtFor: { imageTag: "v1", version: "v1" },
      identity: "in-cluster",
    },
    {
      namespace: NAMESPACE,
      name: "not-built",
      program: "kustomize-controller",
      binary: join(root, "no-such-binary"),
      builtFor: { imageTag: "v1", version: "v1" },
      identity: "kubeconfig",
    },
  ];
  runner = await ProcessRunner.start({
    kubeconfigPath: controlPlane.kubeconfigPath,
    stateDir: join(root, "runner"),
    workloads,
    intervalMs: 60_000,
  });
}, 300_000);

afterAll(async () => {
  await runner?.stop();
  await controlPlane?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the process runner", () => {
  it("starts the binary with the Deployment's args and env plus the listed substitutions, as its ServiceAccount", async () => {
    const report = await nextReport(reportDirs.kubeconfig);
    const stateDir = join(root, "runner", NAMESPACE, "probe");
    const port = /^--storage-addr=127\.0\.0\.1:(\d+)$/.exec(report.argv.at(-1) ?? "")?.[1];
    expect(port).toBeDefined();
    expect(report.argv).toEqual([
      `--storage-path=${stateDir}/volumes/data`,
      `--storage-adv-addr=127.0.0.1:${port}`,
      "--enable-leader-election=false",
      "--greeting=hello",
      expect.stringMatching(/^--metrics-addr=127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^--health-addr=127\.0\.0\.1:\d+$/),
      `--storage-addr=127.0.0.1:${port}`,
    ]);
    expect(report.env).toEqual({
      RUNTIME_NAMESPACE: NAMESPACE,
      GREETING: "hello",
      PASSWORD: "from-a-secret",
      REPORT_DIR: reportDirs.kubeconfig,
      PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
      HOME: `${stateDir}/home`,
      TMPDIR: `${stateDir}/tmp`,
      KUBECONFIG: `${stateDir}/kubeconfig`,
    });
    expect(report.username).toBe(`system:serviceaccount:${NAMESPACE}:probe`);
    expect(reportOf("probe")).toMatchObject({ state: "running", pid: report.pid, restarts: 0 });
  });

  it("runs an in-cluster-only program with the service-account files mounted for it alone", async () => {
    const report = await nextReport(reportDirs.inCluster);
    expect(report.argv).toEqual([
      "--key-renew-period=0",
      expect.stringMatching(/^--listen-addr=127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^--listen-metrics-addr=127\.0\.0\.1:\d+$/),
    ]);
    expect(report.env.KUBECONFIG).toBeUndefined();
    expect(report.env.KUBERNETES_SERVICE_HOST).toBe("127.0.0.1");
    expect(report.env.KUBERNETES_SERVICE_PORT).toBe(String(controlPlane.ports.apiserver));
    expect(report.inClusterNamespace).toBe(NAMESPACE);
    expect(report.username).toBe(`system:serviceaccount:${NAMESPACE}:probe-in-cluster`);
    // The bind mount lives in the process's own mount namespace only.
    expect(existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token")).toBe(false);
  });

  it("reports a Deployment it has no binary for as not run, and fakes nothing", async () => {
    await runner.sync();
    expect(reportOf("helm-controller")).toMatchObject({
      state: "not run",
      reason: "no local binary for this Deployment (image example.test/helm-controller:v1)",
    });
    expect(reportOf("not-built")).toMatchObject({
      state: "not run",
      reason: `${join(root, "no-such-binary")} is not built (run \`npm run tools:build -- gitops\`)`,
    });
    for (const name of ["helm-controller", "not-built", "probe"]) {
      const response = await api.get(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${name}`);
      const status = (
        response.body as { status?: { readyReplicas?: number; availableReplicas?: number } }
      ).status;
      expect(status?.readyReplicas, name).toBeUndefined();
      expect(status?.availableReplicas, name).toBeUndefined();
    }
  });

  it("restarts the process when the pod template changes, as a rollout would", async () => {
    const before = await nextReport(reportDirs.kubeconfig);
    const response = await api.request(
      "PATCH",
      `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/probe`,
      [{ op: "replace", path: "/spec/template/spec/containers/0/env/1/value", value: "changed" }],
      "application/json-patch+json",
    );
    expect(response.status, response.text).toBe(200);
    const after = await nextReport(reportDirs.kubeconfig, [before.pid]);
    expect(after.argv).toContain("--greeting=changed");
    expect(after.env.GREETING).toBe("changed");
    expect(isRunning(before.pid)).toBe(false);
    expect(reportOf("probe")).toMatchObject({ state: "running", pid: after.pid });
  });

  // The restart comes 10 s after the death; then a token, setpriv, unshare, mount and a cold
  // node must run before the report is written, which on a loaded machine takes a while. The
  // waits add up to 120 s (30 + 15 + 15 + 60), so the test has more.
  it("restarts a process that dies, after the kubelet's back-off of 10 s", async () => {
    const before = await nextReport(reportDirs.inCluster);
    process.kill(before.pid, "SIGKILL");
    await expect.poll(() => isRunning(before.pid), { timeout: 15_000 }).toBe(false);
    await expect
      .poll(
        async () => {
          await runner.sync();
          return reportOf("probe-in-cluster");
        },
        { timeout: 15_000 },
      )
      .toMatchObject({
        state: "waiting",
        reason: "killed by SIGKILL; restarting in 10 s",
        restarts: 1,
      });
    const after = await nextReport(reportDirs.inCluster, [before.pid], 60_000);
    expect(after.username).toBe(`system:serviceaccount:${NAMESPACE}:probe-in-cluster`);
    expect(reportOf("probe-in-cluster")).toMatchObject({
      state: "running",
      pid: after.pid,
      restarts: 1,
    });
  }, 150_000);

  it("stops the process when the Deployment is scaled to zero, and every process on stop", async () => {
    const running = reportOf("probe")?.pid as number;
    const inCluster = reportOf("probe-in-cluster")?.pid as number;
    expect(isRunning(running)).toBe(true);
    const response = await api.request(
      "PATCH",
      `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/probe`,
      { spec: { replicas: 0 } },
      "application/merge-patch+json",
    );
    expect(response.status, response.text).toBe(200);
    await runner.sync();
    expect(reportOf("probe")).toMatchObject({ state: "stopped", reason: "scaled to 0 replicas" });
    expect(isRunning(running)).toBe(false);

    await runner.stop();
    expect(isRunning(inCluster)).toBe(false);
    expect(readRunnerState(join(root, "runner"))).toEqual({});
  });
});
