/**
 * NewRelic: the chart values as a pure builder, and under mocks the license key going into a
 * Secret and nowhere else in the clear, with the pinned nri-bundle chart reading it from there.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { newRelicBundleValues } from "../components/newRelic/values";
import { versions } from "../components/versions";
import {
  type MockRun,
  plainInputs,
  startMockRun,
  TEST_LICENSE_KEY,
  TEST_STACK_OWNERSHIP,
  valueOf,
} from "./harness";

const TYPES = {
  component: "k8s-flux:newRelic:NewRelic",
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  chart: "kubernetes:helm.sh/v4:Chart",
} as const;

const LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "newrelic",
};

async function build(
  namespace?: string,
  clusterName: pulumi.Input<string> = "prod-eks",
): Promise<MockRun> {
  const run = await startMockRun("test");
  const { NewRelic } = await import("../components/newRelic");
  new NewRelic("newrelic", {
    clusterName,
    licenseKey: pulumi.secret(TEST_LICENSE_KEY),
    ...(namespace === undefined ? {} : { namespace }),
  });
  await run.settle();
  return run;
}

const EXPECTED_VALUES = {
  global: {
    cluster: "prod-eks",
    customSecretName: "newrelic-license",
    customSecretLicenseKey: "licenseKey",
  },
  "newrelic-infrastructure": { enabled: true },
  "kube-state-metrics": { enabled: true },
  "nri-kube-events": { enabled: true },
  "nri-metadata-injection": { enabled: false },
};

describe("newRelicBundleValues", () => {
  it("names the cluster and the license Secret, never the key, and turns kube-state-metrics on", () => {
    expect(newRelicBundleValues("prod-eks")).toEqual(EXPECTED_VALUES);
  });
});

describe("NewRelic", () => {
  it("creates the newrelic namespace, and exposes it once it exists", async () => {
    const run = await startMockRun("test");
    const { NewRelic } = await import("../components/newRelic");
    const newRelic = new NewRelic("newrelic", { clusterName: "prod-eks", licenseKey: "" });
    await run.settle();
    expect(run.one(TYPES.namespace, "newrelic-namespace").inputs).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "newrelic", labels: { ...LABELS, ...TEST_STACK_OWNERSHIP } },
    });
    expect(await valueOf(newRelic.namespace)).toBe("newrelic");
    expect(run.one(TYPES.secret, "newrelic-license").dependencies).toContain(
      run.one(TYPES.namespace, "newrelic-namespace").urn,
    );
  });

  it("stores the license key in a Secret, sent to the engine as a secret", async () => {
    const run = await build();
    const secret = run.k8s("Secret", "newrelic-license", "newrelic");
    expect(secret.name).toBe("newrelic-license");
    expect(secret.inputs["type"]).toBe("Opaque");
    expect(secret.inputs["metadata"]).toEqual({
      name: "newrelic-license",
      namespace: "newrelic",
      labels: LABELS,
    });
    const stringData = secret.inputs["stringData"] as Record<string, string>;
    expect(Object.keys(stringData)).toEqual(["licenseKey"]);
    // Compared as a boolean so a failure never prints the key.
    expect(stringData["licenseKey"] === TEST_LICENSE_KEY).toBe(true);
    expect(secret.secretPaths).toEqual(["stringData"]);
  });

  it("keeps the license key secret even when it is given as a plain string", async () => {
    const run = await startMockRun("test");
    const { NewRelic } = await import("../components/newRelic");
    new NewRelic("newrelic", { clusterName: "prod-eks", licenseKey: TEST_LICENSE_KEY });
    await run.settle();
    expect(run.k8s("Secret", "newrelic-license", "newrelic").secretPaths).toEqual(["stringData"]);
    const leaks = run.resources.filter((r) => plainInputs(r).includes(TEST_LICENSE_KEY));
    expect(leaks.map((r) => r.name)).toEqual([]);
  });

  it("never records the license key outside a secret", async () => {
    const run = await build();
    const leaks = run.resources.filter((r) => plainInputs(r).includes(TEST_LICENSE_KEY));
    expect(leaks.map((r) => r.name)).toEqual([]);
  });

  it("installs the pinned nri-bundle chart from New Relic's repository", async () => {
    const run = await build();
    const chart = run.one(TYPES.chart, "newrelic-bundle");
    expect(chart.inputs["chart"]).toBe(versions.newRelicBundleChart.chart);
    expect(chart.inputs["version"]).toBe(versions.newRelicBundleChart.version);
    expect(chart.inputs["repositoryOpts"].repo).toBe(versions.newRelicBundleChart.repository);
    expect(chart.inputs["name"]).toBe("newrelic-bundle");
    expect(chart.inputs["namespace"]).toBe("newrelic");
  });

  it("feeds the chart the cluster name and the license Secret's name and key", async () => {
    const run = await build();
    const values = run.one(TYPES.chart, "newrelic-bundle").inputs["values"];
    expect(values).toEqual(EXPECTED_VALUES);
    const secret = run.k8s("Secret", "newrelic-license", "newrelic");
    expect(values.global.customSecretName).toBe(secret.inputs["metadata"].name);
    expect(Object.keys(secret.inputs["stringData"])).toEqual([
      values.global.customSecretLicenseKey,
    ]);
  });

  it("installs the chart only after the license Secret exists", async () => {
    const run = await build();
    const chart = run.one(TYPES.chart, "newrelic-bundle");
    expect(chart.dependencies).toContain(run.one(TYPES.secret, "newrelic-license").urn);
    expect(chart.dependencies).toContain(run.one(TYPES.namespace, "newrelic-namespace").urn);
  });

  it("uses another namespace when given one, for the Secret and the chart alike", async () => {
    const run = await build("observability");
    expect(run.one(TYPES.namespace, "newrelic-namespace").inputs["metadata"].name).toBe(
      "observability",
    );
    expect(run.k8s("Secret", "newrelic-license", "observability").name).toBe("newrelic-license");
    expect(run.one(TYPES.chart, "newrelic-bundle").inputs["namespace"]).toBe("observability");
  });

  it("takes the cluster's name from another resource's output", async () => {
    const run = await build(undefined, pulumi.output("prod-eks-from-output"));
    expect(run.one(TYPES.chart, "newrelic-bundle").inputs["values"].global.cluster).toBe(
      "prod-eks-from-output",
    );
  });

  it("parents every child to the component, whose type token is k8s-flux:newRelic:NewRelic", async () => {
    const run = await build();
    const component = run.one(TYPES.component, "newrelic");
    expect(component.custom).toBe(false);
    const children = run.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `${TYPES.namespace} newrelic-namespace`,
      `${TYPES.secret} newrelic-license`,
      `${TYPES.chart} newrelic-bundle`,
    ]);
    expect(run.resources).toHaveLength(4);
  });
});
