/**
 * The offline rendering behind `npm run render` and the cluster tests: apply order, what the dev
 * stack renders, what cannot be rendered, and that only fake key material ever comes out.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { isBuiltInGroup } from "../tools/kube/manifest";
import { isFakePemBlock } from "../tools/mocks/fakes";
import { manifestFileName, writeManifests } from "../tools/render/files";
import { applyOrder, CUSTOM_RESOURCE_STEP } from "../tools/render/order";
import {
  assertFakeKeyMaterial,
  type RenderedObject,
  type Rendering,
  renderStack,
} from "../tools/render/render";
import { FAKE, TEST_GITHUB_TOKEN, TEST_GITHUB_TOKEN_FROM_ENV, TEST_LICENSE_KEY } from "./harness";

const describeObject = ({ manifest }: RenderedObject): string =>
  `${manifest.kind} ${manifest.metadata.namespace ?? ""}/${manifest.metadata.name}`;

const countByKind = (rendering: Rendering): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { manifest } of rendering.objects)
    counts[manifest.kind] = (counts[manifest.kind] ?? 0) + 1;
  return counts;
};

describe("rendering the dev stack", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("renders each kind the program creates, in these numbers", async () => {
    const rendering = await renderStack("dev");
    expect(countByKind(rendering)).toEqual({
      Namespace: 4,
      CustomResourceDefinition: 1,
      ServiceAccount: 5,
      ClusterRole: 5,
      Role: 2,
      ValidatingAdmissionPolicy: 2,
      ClusterRoleBinding: 4,
      RoleBinding: 4,
      ValidatingAdmissionPolicyBinding: 2,
      Secret: 3,
      Service: 3,
      Deployment: 3,
      APIService: 1,
      FluxInstance: 1,
      GitRepository: 1,
      Kustomization: 1,
    });
  });

  it("puts Namespaces and CRDs first, custom resources last, and each object after what it lives in", async () => {
    const { objects } = await renderStack("dev");
    const kinds = objects.map((object) => object.manifest.kind);
    const firstOther = kinds.findIndex(
      (kind) => kind !== "Namespace" && kind !== "CustomResourceDefinition",
    );
    expect(kinds.slice(firstOther)).not.toContain("Namespace");
    expect(kinds.slice(firstOther)).not.toContain("CustomResourceDefinition");
    expect(kinds.slice(-3)).toEqual(["FluxInstance", "GitRepository", "Kustomization"]);
    expect(objects.slice(-3).every((object) => object.step === CUSTOM_RESOURCE_STEP)).toBe(true);

    const position = new Map(objects.map((object, index) => [describeObject(object), index]));
    const misplaced = objects.filter((object, index) => {
      const namespace = object.manifest.metadata.namespace;
      // kube-system exists in every cluster; every other namespace must be rendered earlier.
      if (namespace === undefined || namespace === "kube-system") return false;
      const created = position.get(`Namespace /${namespace}`);
      return created === undefined || created > index;
    });
    expect(misplaced.map(describeObject)).toEqual([]);
  });

  it("orders the RBAC before the workloads that run with it, and the APIService after its Deployment", async () => {
    const { objects } = await renderStack("dev");
    const index = (kind: string, name: string) =>
      objects.findIndex((o) => o.manifest.kind === kind && o.manifest.metadata.name === name);
    expect(index("ClusterRoleBinding", "system:metrics-server")).toBeLessThan(
      index("Deployment", "metrics-server"),
    );
    expect(index("Deployment", "metrics-server")).toBeLessThan(
      index("APIService", "v1beta1.metrics.k8s.io"),
    );
    expect(index("GitRepository", "sample-dev")).toBeLessThan(index("Kustomization", "sample-dev"));
  });

  it("leaves out the Flux Operator's chart, whose objects exist only at deploy time", async () => {
    const rendering = await renderStack("dev");
    expect(rendering.skipped).toEqual([
      {
        type: "kubernetes:helm.sh/v4:Chart",
        resourceName: "system-flux-operator",
        reason: expect.stringContaining("flux-operator"),
      },
    ]);
    // Every rendered object is one of ours, none a chart's.
    const notOurs = rendering.objects.filter(
      ({ manifest }) =>
        (manifest.metadata["labels"] as Record<string, string> | undefined)?.[
          "app.kubernetes.io/managed-by"
        ] !== "pulumi",
    );
    expect(notOurs.map(describeObject)).toEqual([]);
  });

  it("writes resolved values with the API server's field spellings", async () => {
    const { objects } = await renderStack("dev");
    const crd = objects.find((o) => o.manifest.kind === "CustomResourceDefinition");
    const text = JSON.stringify(crd?.manifest);
    expect(text).toContain('"x-kubernetes-preserve-unknown-fields":true');
    expect(text).not.toContain("x_kubernetes");
    // Outputs of other resources (the deploy key, the namespace's name) are plain values.
    const secret = objects.find((o) => o.manifest.metadata.name === "sample-dev-deploy-key");
    expect(secret?.manifest.metadata.namespace).toBe("sample-dev-flux");
    expect((secret?.manifest["stringData"] as Record<string, string>)["identity.pub"]).toBe(
      FAKE.publicKeyOpenssh("app-sample-dev-deploy-key-key").trim(),
    );
  });

  it("holds only the mocks' fake keys, even with a GitHub token in the environment", async () => {
    vi.stubEnv("GITHUB_TOKEN", TEST_GITHUB_TOKEN_FROM_ENV);
    const { objects } = await renderStack("dev");
    const secrets = objects.filter((o) => o.manifest.kind === "Secret");
    const values = secrets.flatMap((o) =>
      Object.values(o.manifest["stringData"] as Record<string, string>),
    );
    const pemBlocks = values.filter((value) => value.includes("-----BEGIN"));
    const privateKeys = pemBlocks.filter((block) => block !== FAKE.certPem);
    expect(pemBlocks.length - privateKeys.length).toBeGreaterThan(0);
    expect(privateKeys.length).toBeGreaterThan(0);
    expect(privateKeys.every((block) => isFakePemBlock(block.trim()))).toBe(true);
    const text = JSON.stringify(objects);
    for (const secret of [TEST_GITHUB_TOKEN_FROM_ENV, TEST_GITHUB_TOKEN, TEST_LICENSE_KEY]) {
      expect(text).not.toContain(secret);
    }
  });

  it("refuses a rendering that holds key material other than the fake", () => {
    const withRealLookingKey: RenderedObject = {
      resourceName: "some-secret",
      step: 3,
      manifest: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "some-secret", namespace: "default" },
        stringData: {
          key: "-----BEGIN RSA PRIVATE KEY-----\nMIIEnotfake\n-----END RSA PRIVATE KEY-----\n",
        },
      },
    };
    expect(() => assertFakeKeyMaterial([withRealLookingKey])).toThrow(
      "some-secret: rendered Secret holds key material that is not the mocks' fake; refusing to render it",
    );
  });

  it("names an unknown stack and the way out", async () => {
    await expect(renderStack("staging")).rejects.toThrow(
      /^no stack file Pulumi\.staging\.yaml in .*; name a stack that has one \(dev, local, prod\)$/,
    );
  });
});

describe("rendering the prod stack", () => {
  it("renders the license Secret with the fake license, and leaves the nri-bundle chart out", async () => {
    const rendering = await renderStack("prod");
    expect(rendering.skipped.map((s) => s.resourceName)).toEqual([
      "newrelic-bundle",
      "system-flux-operator",
    ]);
    const license = rendering.objects.find((o) => o.manifest.metadata.name === "newrelic-license");
    expect(license?.manifest["stringData"]).toEqual({ licenseKey: TEST_LICENSE_KEY });
    expect(countByKind(rendering)["Kustomization"]).toBe(3);
  });
});

describe("apply order", () => {
  const object = (kind: string, name: string, dependsOn: string[] = [], apiVersion = "v1") => ({
    key: name,
    apiVersion,
    kind,
    name,
    dependsOn,
  });

  it("follows dependencies within a step, and sorts by kind and name otherwise", () => {
    const ordered = applyOrder([
      object("Secret", "b"),
      object("ConfigMap", "z", ["b"]),
      object("ConfigMap", "a"),
      object("Namespace", "n"),
    ]);
    expect(ordered.map((o) => o.name)).toEqual(["n", "a", "b", "z"]);
  });

  it("refuses an object that depends on one a later step holds", () => {
    expect(() =>
      applyOrder([object("Namespace", "n", ["d"]), object("Deployment", "d", [], "apps/v1")]),
    ).toThrow(
      "Namespace n depends on Deployment d, which a later apply step holds; fix STEPS in tools/render/order.ts",
    );
  });

  it("refuses a built-in kind it has no step for, rather than guessing", () => {
    expect(() => applyOrder([object("PodDisruptionBudget", "p", [], "policy/v1")])).toThrow(
      "no apply step for policy/v1 PodDisruptionBudget; add it to STEPS in tools/render/order.ts",
    );
  });

  it("tells Kubernetes' own groups from CRD groups", () => {
    expect(["", "apps", "policy", "rbac.authorization.k8s.io"].map(isBuiltInGroup)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["bitnami.com", "source.toolkit.fluxcd.io"].map(isBuiltInGroup)).toEqual([false, false]);
  });
});

describe("manifest files", () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0))
      rmSync(directory, { recursive: true, force: true });
  });

  it("names files so a sorted listing is the apply order, replacing an earlier rendering's", async () => {
    const directory = mkdtempSync(join(tmpdir(), "k8s-flux-render-"));
    directories.push(directory);
    writeFileSync(join(directory, "999-namespace-stale.yaml"), "stale\n");
    writeFileSync(join(directory, "README.md"), "kept\n");
    const { objects } = await renderStack("dev");
    writeManifests(directory, objects);

    const files = readdirSync(directory)
      .filter((file) => file.endsWith(".yaml"))
      .sort();
    expect(files).toHaveLength(objects.length);
    expect(readdirSync(directory)).toContain("README.md");
    const kindsInFileOrder = files.map(
      (file) => (parse(readFileSync(join(directory, file), "utf8")) as { kind: string }).kind,
    );
    expect(kindsInFileOrder).toEqual(objects.map((o) => o.manifest.kind));
  });

  it("keeps file names to characters every file system accepts", () => {
    const rendered: RenderedObject = {
      resourceName: "r",
      step: 1,
      manifest: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "system:metrics-server" },
      },
    };
    expect(manifestFileName(6, 37, rendered)).toBe("007-clusterrole-system_metrics-server.yaml");
    expect(manifestFileName(6, 1200, rendered)).toBe("0007-clusterrole-system_metrics-server.yaml");
  });
});
