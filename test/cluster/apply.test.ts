/**
 * Every object the dev and prod stacks create, applied server-side to a real API server in
 * render order: none may be rejected. The stacks share object names, so dev is removed again
 * before prod is applied, and each is checked against an empty cluster.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FIELD_MANAGER, KubeApi } from "../../tools/kube/api";
import {
  type ApplyResult,
  applyInOrder,
  deleteAndWait,
  formatRejection,
} from "../../tools/kube/apply";
import { describeObject, type Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";
import { installFluxCrds } from "../../tools/local/cluster";
import { renderStack } from "../../tools/render/render";
import { reviewAccess } from "./access";

const admin = new KubeApi(inject("kubeAccess"));

beforeAll(async () => {
  await installFluxCrds(admin);
});

describe.each([
  { stack: "dev", removeAfterwards: true },
  { stack: "prod", removeAfterwards: false },
])("the $stack stack on a real API server", ({ stack, removeAfterwards }) => {
  let manifests: Manifest[] = [];
  let result: ApplyResult;

  beforeAll(async () => {
    manifests = (await renderStack(stack)).objects.map((object) => object.manifest);
    result = await applyInOrder(admin, manifests);
  });

  afterAll(async () => {
    if (removeAfterwards && result) await deleteAndWait(admin, result.applied);
  });

  it("is accepted whole: every object applied server-side, none rejected", () => {
    expect(result.rejections.map(formatRejection)).toEqual([]);
    expect(result.applied.map(describeObject)).toEqual(manifests.map(describeObject));
  });

  it("draws no warnings from the server (deprecated APIs, Pod Security, unknown fields)", () => {
    // Except one about the mocks' placeholder certificate, which is no PEM the server can parse;
    // a deploy sends the real certificate from the tls provider.
    expect(result.warnings).toEqual([
      'Secret kube-system/sealed-secrets-key: 299 - "tls: failed to find any PEM data in certificate input"',
    ]);
  });

  it("reads every object back, owned by the apply's field manager", async () => {
    const notOwned: string[] = [];
    for (const manifest of result.applied) {
      const { apiVersion, kind, metadata } = manifest;
      const response = await admin.get(
        await admin.path(apiVersion, kind, metadata.namespace, metadata.name),
      );
      const managers =
        (
          response.body as {
            metadata?: { managedFields?: { manager: string; operation: string }[] };
          }
        ).metadata?.managedFields ?? [];
      if (
        response.status !== 200 ||
        !managers.some((m) => m.manager === FIELD_MANAGER && m.operation === "Apply")
      ) {
        notOwned.push(`${describeObject(manifest)}: ${response.status}`);
      }
    }
    expect(notOwned).toEqual([]);
  });

  it("has the metrics-server APIService and its RBAC, and the RBAC grants what it should", async () => {
    const apiService = await admin.get(
      "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io",
    );
    expect(apiService.status).toBe(200);
    expect((apiService.body as { spec: unknown }).spec).toMatchObject({
      group: "metrics.k8s.io",
      version: "v1beta1",
      service: { name: "metrics-server", namespace: "kube-system" },
    });
    const rbac = [
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:metrics-server",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:aggregated-metrics-reader",
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:metrics-server",
      "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/metrics-server:system:auth-delegator",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/metrics-server-auth-reader",
    ];
    const statuses = await Promise.all(
      rbac.map(async (path) => [path, (await admin.get(path)).status]),
    );
    expect(statuses).toEqual(rbac.map((path) => [path, 200]));

    const metricsServer = { namespace: "kube-system", name: "metrics-server" };
    const granted = await Promise.all(
      [
        { verb: "get", group: "", resource: "nodes", subresource: "metrics" },
        { verb: "list", group: "", resource: "pods" },
        // system:auth-delegator, to check the tokens of clients the aggregator forwards.
        { verb: "create", group: "authentication.k8s.io", resource: "tokenreviews" },
        // extension-apiserver-authentication-reader, for the client CA the aggregator uses.
        {
          verb: "get",
          group: "",
          resource: "configmaps",
          namespace: "kube-system",
          name: "extension-apiserver-authentication",
        },
      ].map((question) => reviewAccess(admin, metricsServer, question)),
    );
    expect(granted).toEqual([true, true, true, true]);

    // The aggregation labels fold metrics reading into the built-in `view` role.
    await waitFor(
      async () => {
        const view = await admin.get("/apis/rbac.authorization.k8s.io/v1/clusterroles/view");
        const rules = (view.body as { rules?: { apiGroups?: string[] }[] }).rules ?? [];
        return (
          rules.some((rule) => rule.apiGroups?.includes("metrics.k8s.io")) ||
          "the view ClusterRole does not include metrics.k8s.io yet"
        );
      },
      { deadline: within(60_000) },
    );
  });
});
