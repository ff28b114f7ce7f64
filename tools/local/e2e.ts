/**
 * `npm run test:e2e`: the real engine against a real control plane, step by step, failing on the
 * first deviation and printing the time of each step:
 *   1. pulumi up                 2. pulumi up again: no changes
 *   3. state holds no private key in plaintext
 *   4. disaster: the control plane is replaced by an empty one
 *   5. pulumi up --refresh restores everything, with the same keys
 *   6. pulumi destroy removes all but the protected keys, and says so
 * It uses its own control plane, state and project copy under .cache/e2e, never the local stack.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { type ControlPlane, startControlPlane } from "../control-plane/controlPlane";
import { adminApi, prepareForLocalStack } from "./cluster";
import { LOCAL_STACK, prepareProjectCopy, REPO_ROOT } from "./project";
import { type PulumiContext, pulumiOk, runPulumi } from "./pulumi";

const WORK_DIR = join(REPO_ROOT, ".cache", "e2e");
const CLUSTER_DIR = join(WORK_DIR, "cluster");

interface Step {
  readonly name: string;
  readonly seconds: number;
  readonly note: string;
}

class Deviation extends Error {}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Deviation(message);
}

/** Secrets whose content must survive the disaster: the sealing key and every Flux SSH key. */
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

async function readKeys(cluster: ControlPlane): Promise<Record<string, string>> {
  const api = adminApi(cluster);
  const found: Record<string, string> = {};
  for (const { namespace, name, field } of keySecrets()) {
    const response = await api.get(`/api/v1/namespaces/${namespace}/secrets/${name}`);
    const data = (response.body as { data?: Record<string, string> } | undefined)?.data;
    expect(
      response.status === 200 && data?.[field] !== undefined,
      `Secret ${namespace}/${name} has no ${field} (HTTP ${response.status})`,
    );
    found[`${namespace}/${name} ${field}`] = data?.[field] ?? "";
  }
  return found;
}

/** Every PEM private key value anywhere in a decrypted state export. */
function privateKeysIn(exported: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string" && value.includes("PRIVATE KEY-----")) found.push(value.trim());
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(exported);
  return [...new Set(found)];
}

async function main(): Promise<Step[]> {
  rmSync(WORK_DIR, { recursive: true, force: true });
  const steps: Step[] = [];
  const timed = async (name: string, action: () => Promise<string>): Promise<void> => {
    const started = Date.now();
    const note = await action();
    steps.push({ name, seconds: (Date.now() - started) / 1000, note });
    console.log(`e2e: ${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s) ${note}`);
  };

  let cluster = await startControlPlane({ dir: CLUSTER_DIR });
  try {
    await prepareForLocalStack(adminApi(cluster));
    const context: PulumiContext = {
      cwd: prepareProjectCopy(join(WORK_DIR, "project"), cluster.kubeconfigPath),
      backendDir: join(WORK_DIR, "state"),
    };
    const stack = ["--stack", LOCAL_STACK];
    await pulumiOk(["stack", "init", LOCAL_STACK], context);

    await timed("1. pulumi up", async () => {
      const result = await pulumiOk(["up", "--yes", ...stack], context);
      const created = /(\d+) created/.exec(result.stdout)?.[1];
      return `${created ?? "?"} resources created`;
    });

    await timed("2. pulumi up again reports no changes", async () => {
      const result = await runPulumi(["up", "--yes", "--expect-no-changes", ...stack], context);
      expect(
        result.code === 0,
        `the second pulumi up changed something:\n${result.stdout.split("\n").slice(-30).join("\n")}`,
      );
      return "";
    });

    await timed("3. no private key in plaintext in the state", async () => {
      const plain = (await pulumiOk(["stack", "export", ...stack], context)).stdout;
      const decrypted = JSON.parse(
        (await pulumiOk(["stack", "export", "--show-secrets", ...stack], context)).stdout,
      ) as unknown;
      const keys = privateKeysIn(decrypted);
      expect(
        keys.length > 0,
        "the decrypted state holds no private key at all; nothing was checked",
      );
      const leaked = keys.filter((key) =>
        key
          .split("\n")
          .filter((line) => line.length > 40)
          .some((line) => plain.includes(line)),
      );
      expect(
        leaked.length === 0,
        `${leaked.length} private key(s) appear in plaintext in the state`,
      );
      expect(!plain.includes("PRIVATE KEY-----"), "a PEM private key header appears in the state");
      return `${keys.length} private keys, all encrypted`;
    });

    const before = await readKeys(cluster);

    await timed("4. disaster: the control plane is replaced by an empty one", async () => {
      await cluster.stop();
      cluster = await startControlPlane({ dir: CLUSTER_DIR });
      // A rebuilt cluster gets its Flux Operator again from wherever it is managed.
      await prepareForLocalStack(adminApi(cluster));
      const gone = await adminApi(cluster).get("/api/v1/namespaces/kube-system/secrets");
      const names = ((gone.body as { items?: { metadata: { name: string } }[] }).items ?? []).map(
        (item) => item.metadata.name,
      );
      expect(!names.includes("sealed-secrets-key"), "the new control plane is not empty");
      return "etcd data gone";
    });

    await timed("5. pulumi up --refresh restores everything with the same keys", async () => {
      await pulumiOk(["up", "--yes", "--refresh", ...stack], {
        ...context,
        extraEnv: { PULUMI_K8S_DELETE_UNREACHABLE: "true" },
      });
      const after = await readKeys(cluster);
      const changed = Object.keys(before).filter((key) => before[key] !== after[key]);
      expect(changed.length === 0, `different after the rebuild: ${changed.join(", ")}`);
      const again = await runPulumi(["up", "--yes", "--expect-no-changes", ...stack], context);
      expect(again.code === 0, "the rebuilt stack is not stable: a further pulumi up changes it");
      return `${Object.keys(after).length} key Secrets identical`;
    });

    await timed("6. pulumi destroy keeps only the protected keys, and says so", async () => {
      const result = await pulumiOk(["destroy", "--yes", "--exclude-protected", ...stack], context);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(/protected/i.test(output), "pulumi destroy did not mention the protected resources");
      const state = JSON.parse((await pulumiOk(["stack", "export", ...stack], context)).stdout) as {
        deployment: {
          resources?: {
            type: string;
            urn: string;
            custom?: boolean;
            protect?: boolean;
            parent?: string;
          }[];
        };
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
      expect(left.length === 0, `still in state: ${left.map((r) => r.urn).join(", ")}`);
      expect(
        resources.some((r) => r.protect && r.type === "tls:index/privateKey:PrivateKey"),
        "the protected sealing key is gone from state",
      );
      const kept = (state.deployment.resources ?? []).filter((r) => r.protect).length;
      return `${kept} protected resources kept`;
    });
    return steps;
  } finally {
    await cluster.stop();
  }
}

main().then(
  (steps) => {
    console.log("\ne2e: every step passed");
    for (const step of steps)
      console.log(`  ${step.seconds.toFixed(1).padStart(7)} s  ${step.name}`);
    process.exit(0);
  },
  (error: unknown) => {
    const known = error instanceof Deviation;
    console.error(
      `e2e: ${known ? "deviation" : "failed"}: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  },
);
