/**
 * The user's worst day, with the real Pulumi engine against a real control plane: the local
 * stack is deployed, deployed again without changes, checked for private keys in plaintext in
 * its state, loses its cluster, is restored by `pulumi up --refresh` with the same keys, and is
 * destroyed but for its protected keys. Each step builds on the one before, so after a failure
 * the later steps are skipped. The suite uses its own control plane, state and project copy under
 * .cache/e2e, never the local stack's, and leaves no process running, whatever fails.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KubeApi } from "../../tools/kube/api";
import { describeObject } from "../../tools/kube/manifest";
import { prepareForLocalStack } from "../../tools/local/cluster";
import { LOCAL_STACK, prepareProjectCopy } from "../../tools/local/project";
import { REPO_ROOT } from "../../tools/repoRoot";
import { type PulumiContext, pulumiOk, runPulumi } from "../../tools/local/pulumi";
import { renderStack } from "../../tools/render/render";
import { chainSteps } from "../steps";
import { ControlPlanes } from "./steps";

const WORK_DIR = join(REPO_ROOT, ".cache", "e2e");
const CLUSTER_DIR = join(WORK_DIR, "cluster");
const STACK = ["--stack", LOCAL_STACK];

const controlPlanes = new ControlPlanes();
const context: PulumiContext = {
  cwd: join(WORK_DIR, "project"),
  backendDir: join(WORK_DIR, "state"),
};

/** Starts an empty control plane with what a pre-installed Flux Operator would have left. */
async function startCluster() {
  const cluster = await controlPlanes.start(CLUSTER_DIR);
  await prepareForLocalStack(new KubeApi(cluster));
  return cluster;
}

const admin = (): KubeApi => new KubeApi(controlPlanes.cluster);

/** The last lines of a command's output, for a failure message. */
const tail = (text: string): string => text.trim().split("\n").slice(-30).join("\n");

/** Secrets whose content must survive the disaster: each sealing key and every Flux SSH key. */
function keySecrets(): { namespace: string; name: string; field: string }[] {
  const stack = parse(readFileSync(join(REPO_ROOT, `Pulumi.${LOCAL_STACK}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const sealing = stack.config["k8s-flux:sealedSecrets"] as { keys?: string[] } | undefined;
  const applications = (stack.config["k8s-flux:applications"] ?? []) as { name: string }[];
  return [
    ...(sealing?.keys ?? ["sealed-secrets-key"]).map((name) => ({
      namespace: "kube-system",
      name,
      field: "tls.crt",
    })),
    { namespace: "flux-system", name: "flux-system", field: "identity.pub" },
    ...applications.map(({ name }) => ({
      namespace: `${name}-flux`,
      name: `${name}-deploy-key`,
      field: "identity.pub",
    })),
  ];
}

const secretPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${namespace}/secrets/${name}`;

/** The public half of each key Secret, as the cluster holds it now. */
async function readKeys(): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const { namespace, name, field } of keySecrets()) {
    const response = await admin().get(secretPath(namespace, name));
    expect(response.status, `Secret ${namespace}/${name}`).toBe(200);
    const value = (response.body as { data?: Record<string, string> }).data?.[field];
    expect(value, `Secret ${namespace}/${name} ${field}`).toEqual(expect.any(String));
    found[`${namespace}/${name} ${field}`] = value ?? "";
  }
  return found;
}

/** A PEM private key of any kind: PKCS#8, EC, RSA, OpenSSH. */
const PRIVATE_KEY_PEM =
  /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;

/**
 * Every PEM private key anywhere in a decrypted state export, with real line breaks. A decrypted
 * secret is JSON text, so its line breaks come escaped; the keys may sit inside larger values.
 */
function privateKeysIn(exported: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      for (const key of value.replace(/\\n/g, "\n").match(PRIVATE_KEY_PEM) ?? []) found.add(key);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(exported);
  return [...found];
}

const jsonEscaped = (text: string): string => JSON.stringify(text).slice(1, -1);

/**
 * How a key would show in an export's text: as JSON escapes it, or escapes it twice inside a
 * value that is JSON text itself (a decrypted secret, a last-applied-configuration annotation).
 * Its base64 lines alone prove nothing: an RSA key's modulus is in its public key too.
 */
const exportedForms = (key: string): string[] => [
  key,
  jsonEscaped(key),
  jsonEscaped(jsonEscaped(key)),
];

interface StateResource {
  readonly type: string;
  readonly urn: string;
  readonly custom?: boolean;
  readonly protect?: boolean;
  readonly parent?: string;
}

chainSteps();
controlPlanes.stopAfterAll();

beforeAll(async () => {
  rmSync(WORK_DIR, { recursive: true, force: true });
  const started = await startCluster();
  prepareProjectCopy(context.cwd, started.kubeconfigPath);
  await pulumiOk(["stack", "init", LOCAL_STACK], context);
});

describe("the local stack, deployed by the real engine", () => {
  let before: Record<string, string> = {};

  it("1. pulumi up creates every object the offline rendering lists", async () => {
    const result = await pulumiOk(["up", "--yes", ...STACK], context);
    expect(Number(/(\d+) created/.exec(result.stdout)?.[1] ?? 0)).toBeGreaterThan(0);
    const { objects } = await renderStack(LOCAL_STACK);
    const missing: string[] = [];
    for (const { manifest } of objects) {
      const { apiVersion, kind, metadata } = manifest;
      const path = await admin().path(apiVersion, kind, metadata.namespace, metadata.name);
      const status = (await admin().get(path)).status;
      if (status !== 200) missing.push(`${describeObject(manifest)}: ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it("2. pulumi up again reports no changes", async () => {
    const result = await runPulumi(["up", "--yes", "--expect-no-changes", ...STACK], context);
    expect(result.code, `the second pulumi up changed something:\n${tail(result.stdout)}`).toBe(0);
  });

  it("3. the state holds no private key in plaintext", async () => {
    const plain = (await pulumiOk(["stack", "export", ...STACK], context)).stdout;
    const decrypted = (await pulumiOk(["stack", "export", "--show-secrets", ...STACK], context))
      .stdout;
    const keys = privateKeysIn(JSON.parse(decrypted));
    const writtenIn = (text: string) =>
      keys.filter((key) => exportedForms(key).some((form) => text.includes(form)));
    // At least one per key Secret, each found where it is written, or the check checks too little.
    expect(keys.length).toBeGreaterThanOrEqual(keySecrets().length);
    expect(writtenIn(decrypted)).toEqual(keys);
    expect(writtenIn(plain).length, "private keys in plaintext in the state").toBe(0);
    expect(plain).not.toContain("PRIVATE KEY-----");
  });

  it("4. disaster: the control plane is replaced by an empty one", async () => {
    before = await readKeys();
    await controlPlanes.stop();
    await startCluster();
    const statuses = await Promise.all(
      keySecrets().map(
        async ({ namespace, name }) => (await admin().get(secretPath(namespace, name))).status,
      ),
    );
    expect(statuses).toEqual(keySecrets().map(() => 404));
  });

  it("5. pulumi up --refresh restores everything, with the same keys", async () => {
    await pulumiOk(["up", "--yes", "--refresh", ...STACK], {
      ...context,
      extraEnv: { PULUMI_K8S_DELETE_UNREACHABLE: "true" },
    });
    expect(await readKeys()).toEqual(before);
    const again = await runPulumi(["up", "--yes", "--expect-no-changes", ...STACK], context);
    expect(again.code, `the rebuilt stack is not stable:\n${tail(again.stdout)}`).toBe(0);
  });

  it("6. pulumi destroy keeps only the protected keys, and says so", async () => {
    const result = await pulumiOk(["destroy", "--yes", "--exclude-protected", ...STACK], context);
    expect(`${result.stdout}\n${result.stderr}`).toMatch(/protected/i);
    const state = JSON.parse((await pulumiOk(["stack", "export", ...STACK], context)).stdout) as {
      deployment: { resources?: StateResource[] };
    };
    const resources = state.deployment.resources ?? [];
    // What may stay: protected resources, the components that hold them, and Pulumi's own.
    const holders = new Set<string>();
    for (const resource of resources.filter((r) => r.protect)) {
      let parent = resource.parent;
      while (parent) {
        holders.add(parent);
        parent = resources.find((r) => r.urn === parent)?.parent;
      }
    }
    const left = resources.filter(
      (r) => !r.protect && !r.type.startsWith("pulumi:") && !holders.has(r.urn),
    );
    expect(left.map((r) => r.urn)).toEqual([]);
    expect(
      resources.some((r) => r.protect && r.type === "tls:index/privateKey:PrivateKey"),
      "the protected sealing key is still in state",
    ).toBe(true);
  });
});
