/**
 * No application takes over a namespace that exists and is not this stack's, with the real
 * Pulumi engine and Kubernetes provider (which would adopt it) against a real control plane:
 *
 * 1. `payments-legacy` exists with a workload; an application of that name is refused by the
 *    check against the cluster, and nothing changes, in that namespace or anywhere else.
 * 2. `cert-manager` is refused by the config layer, before the cluster is asked.
 * 3. With the cluster unreachable, a preview warns that it skipped the check, and `pulumi up`
 *    stops with a message naming the context and server.
 * 4. Once the namespace is handed over with the label the refusal names, `pulumi up` succeeds
 *    and the workload is still there.
 *
 * Each step builds on the one before. The suite has its own control plane, state and project
 * copy under .cache/e2e-takeover, and leaves no process running, whatever fails.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { KubeApi, statusMessage } from "../../tools/kube/api";
import type { Manifest } from "../../tools/kube/manifest";
import { prepareForLocalStack } from "../../tools/local/cluster";
import { LOCAL_STACK, prepareProjectCopy } from "../../tools/local/project";
import { REPO_ROOT } from "../../tools/repoRoot";
import {
  type PulumiContext,
  type PulumiResult,
  pulumiOk,
  runPulumi,
} from "../../tools/local/pulumi";
import { chainSteps } from "../steps";
import { ControlPlanes } from "./steps";

const WORK_DIR = join(REPO_ROOT, ".cache", "e2e-takeover");
const STACK = ["--stack", LOCAL_STACK];
/** The ownership label of this suite's stack: organization/k8s-flux/local. */
const OWNERSHIP = { key: "k8s-flux.io/stack", value: "k8s-flux.local.a0b20561b9af17a9" };

const controlPlanes = new ControlPlanes();
const context: PulumiContext = {
  cwd: join(WORK_DIR, "project"),
  backendDir: join(WORK_DIR, "state"),
};

const admin = (): KubeApi => new KubeApi(controlPlanes.cluster);

const application = (name: string) => ({
  name,
  // Each application needs a repository of its own.
  repository: `git@github.com:acme/${name}-flux.git`,
});

/** The local stack's project copy, with these applications and this kubeconfig. */
function useStack(applications: readonly string[], kubeconfigPath?: string): void {
  prepareProjectCopy(context.cwd, kubeconfigPath ?? controlPlanes.cluster.kubeconfigPath, {
    applications: applications.map(application),
  });
}

/** A namespace someone else runs a workload in: its own labels, annotations and Deployment. */
function foreignNamespace(name: string): Manifest[] {
  const labels = { app: "ledger" };
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name,
        labels: { team: "payments", "pod-security.kubernetes.io/enforce": "privileged" },
        annotations: { "acme.example/owner": "payments-team" },
      },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "ledger", namespace: name },
      data: { database: "ledger-primary" },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "ledger", namespace: name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "ledger", image: "registry.example/ledger:1.0" }] },
        },
      },
    },
  ];
}

interface ObjectMeta {
  uid: string;
  resourceVersion: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function read(path: string): Promise<{ metadata: ObjectMeta; [field: string]: unknown }> {
  const response = await admin().get(path);
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`);
  return response.body as { metadata: ObjectMeta };
}

/**
 * What must not change in a foreign namespace: the namespace exactly (its resourceVersion
 * moves with any write), and its workload's identity, spec and data. The Deployment's own
 * resourceVersion moves as its controller updates its status, so it is not compared.
 */
async function snapshot(namespace: string) {
  const ns = await read(`/api/v1/namespaces/${namespace}`);
  const deployment = await read(`/apis/apps/v1/namespaces/${namespace}/deployments/ledger`);
  const configMap = await read(`/api/v1/namespaces/${namespace}/configmaps/ledger`);
  return {
    namespace: ns.metadata,
    deployment: {
      uid: deployment.metadata.uid,
      generation: deployment.metadata.generation,
      labels: deployment.metadata.labels,
      spec: deployment["spec"],
    },
    configMap: { metadata: configMap.metadata, data: configMap["data"] },
  };
}

const exists = async (path: string): Promise<boolean> => (await admin().get(path)).status === 200;

const output = (result: PulumiResult): string => `${result.stdout}\n${result.stderr}`;

/** The Kubernetes objects the stack's state holds. */
async function kubernetesResourcesInState(): Promise<string[]> {
  const exported = JSON.parse((await pulumiOk(["stack", "export", ...STACK], context)).stdout) as {
    deployment: { resources?: { type: string; urn: string }[] };
  };
  return (exported.deployment.resources ?? [])
    .filter((resource) => resource.type.startsWith("kubernetes:"))
    .map((resource) => resource.urn);
}

chainSteps();
controlPlanes.stopAfterAll();
let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  rmSync(WORK_DIR, { recursive: true, force: true });
  await controlPlanes.start(join(WORK_DIR, "cluster"));
  await prepareForLocalStack(admin());
  for (const namespace of ["payments-legacy", "cert-manager"]) {
    for (const manifest of foreignNamespace(namespace)) {
      const response = await admin().apply(manifest);
      if (response.status >= 300) throw new Error(`${manifest.kind}: ${statusMessage(response)}`);
    }
  }
  useStack([]);
  await pulumiOk(["stack", "init", LOCAL_STACK], context);
});

describe("an application named after a namespace that is not this stack's", () => {
  it("1. pulumi up is refused by the cluster check, and nothing changes", async () => {
    before = await snapshot("payments-legacy");
    useStack(["sample-local", "payments-legacy"]);
    const result = await runPulumi(["up", "--yes", ...STACK], context);
    expect(result.code, output(result)).not.toBe(0);
    expect(output(result)).toContain(
      `k8s-flux:applications[1].name: namespace "payments-legacy" already exists and is not this stack's (it has no ${OWNERSHIP.key} label, and this stack's last deployment did not create application "payments-legacy")`,
    );
    expect(output(result)).toContain(
      `kubectl label namespace payments-legacy ${OWNERSHIP.key}=${OWNERSHIP.value}`,
    );
    // The message alone, not buried under a stack trace.
    expect(output(result)).not.toMatch(/\n\s+at .+\.ts:\d+/);
    expect(await snapshot("payments-legacy")).toEqual(before);
    for (const namespace of ["payments-legacy-flux", "sample-local", "sample-local-flux"]) {
      expect(await exists(`/api/v1/namespaces/${namespace}`), namespace).toBe(false);
    }
    expect(await kubernetesResourcesInState()).toEqual([]);
  });

  it("2. cert-manager is refused by the config layer, and nothing changes", async () => {
    const certManager = await snapshot("cert-manager");
    useStack(["cert-manager"]);
    const result = await runPulumi(["up", "--yes", ...STACK], context);
    expect(result.code, output(result)).not.toBe(0);
    expect(output(result)).toContain(
      'k8s-flux:applications[0].name: "cert-manager" would take the namespace "cert-manager", where cert-manager installs by default',
    );
    expect(await snapshot("cert-manager")).toEqual(certManager);
    expect(await exists("/api/v1/namespaces/cert-manager-flux")).toBe(false);
    expect(await kubernetesResourcesInState()).toEqual([]);
  });

  it("3. with the cluster unreachable, preview warns and pulumi up stops before changing anything", async () => {
    // Port 1 (tcpmux) on loopback: nothing listens there, so every connection is refused. A port
    // found free and closed again could be taken by another process in the meantime.
    const port = 1;
    const server = `https://127.0.0.1:${port}`;
    const kubeconfig = join(WORK_DIR, "unreachable.kubeconfig");
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "gone", cluster: { server, "insecure-skip-tls-verify": true } }],
        users: [{ name: "nobody", user: { token: "unused" } }],
        contexts: [{ name: "not-yet-created", context: { cluster: "gone", user: "nobody" } }],
        "current-context": "not-yet-created",
      }),
    );
    useStack(["payments"], kubeconfig);
    const preview = await runPulumi(["preview", ...STACK], context);
    expect(output(preview)).toContain(
      `Namespace check skipped in this preview: context "not-yet-created" (server ${server}, from kubernetes:kubeconfig (${kubeconfig})) cannot be reached: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    const up = await runPulumi(["up", "--yes", ...STACK], context);
    expect(up.code, output(up)).not.toBe(0);
    expect(output(up)).toContain(
      `Could not check the cluster (nothing was changed): context "not-yet-created" (server ${server}, from kubernetes:kubeconfig (${kubeconfig})) cannot be reached: connect ECONNREFUSED 127.0.0.1:${port}. Before creating the applications' namespaces ("payments", "payments-flux")`,
    );
    expect(await kubernetesResourcesInState()).toEqual([]);
  });

  it("4. handed over with the ownership label, the namespace is taken by pulumi up, workload and all", async () => {
    // The Pod Security label its owner set would conflict with the one the application sets
    // (server-side apply refuses to take a field another manager set), so it goes too.
    const handOver = {
      [OWNERSHIP.key]: OWNERSHIP.value,
      "pod-security.kubernetes.io/enforce": null,
    };
    const patched = await admin().request(
      "PATCH",
      "/api/v1/namespaces/payments-legacy",
      { metadata: { labels: handOver } },
      "application/merge-patch+json",
    );
    expect(patched.status, statusMessage(patched)).toBe(200);
    useStack(["sample-local", "payments-legacy"]);
    await pulumiOk(["up", "--yes", ...STACK], context);
    const after = await snapshot("payments-legacy");
    expect(after.namespace.uid).toBe(before.namespace.uid);
    expect(after.namespace.labels?.[OWNERSHIP.key]).toBe(OWNERSHIP.value);
    expect(after.namespace.labels?.["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    expect(after.deployment).toEqual(before.deployment);
    expect(after.configMap.data).toEqual(before.configMap.data);
    for (const namespace of ["payments-legacy-flux", "sample-local", "sample-local-flux"]) {
      const created = await read(`/api/v1/namespaces/${namespace}`);
      expect(created.metadata.labels?.[OWNERSHIP.key], namespace).toBe(OWNERSHIP.value);
    }
  });
});
