/**
 * The Flux Operator's side of the tenant boundary, checked by the real authorizer against the
 * prod stack as applied plus the RBAC the operator's chart installs (fixtures/fluxOperatorChart.ts):
 * a tenant may manage ResourceSets in its workload namespace and nowhere else, and the identities
 * the operator falls back to for a ResourceSet that names no ServiceAccount (`flux-operator-tenant`
 * of the ResourceSet's namespace) may do nothing, in flux-system or anywhere. What the real
 * operator does with a hostile ResourceSet is the GitOps stage's to show; here the request it would
 * make, as the identity it would make it as, is sent and refused. The cells are printed as a table.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RESOURCESET_DEFAULT_SERVICE_ACCOUNT } from "../../components/systemFlux/operator";
import { KubeApi, statusMessage } from "../../tools/kube/api";
import { deleteAndWait } from "../../tools/kube/apply";
import type { Manifest } from "../../tools/kube/manifest";
import { installFluxCrds } from "../../tools/local/cluster";
import { renderStack } from "../../tools/render/render";
import {
  actingAs,
  type Question,
  questions,
  requestCell,
  reviewCells,
  type ServiceAccountRef,
} from "./access";
import {
  chartRbac,
  OPERATOR_ACCOUNT,
  OPERATOR_GROUP,
  RESOURCESET_KINDS,
} from "./fixtures/fluxOperatorChart";
import { Matrix } from "./matrix";
import { applyAll, type Tenant, tenantsOf, waitForAggregatedRule } from "./stackTenants";

const admin = new KubeApi(inject("kubeAccess"));
const matrix = new Matrix();
const RBAC = "rbac.authorization.k8s.io";
const FLUX_SYSTEM = "flux-system";
const OPERATOR_RESOURCES = RESOURCESET_KINDS.map(({ plural }) => ({
  group: OPERATOR_GROUP,
  resource: plural,
}));
const WRITE_VERBS = ["create", "update", "patch", "delete"];

let tenants: Tenant[] = [];
/** Objects this file creates besides the stack, removed again at the end. */
const created: Manifest[] = [];

const expectCells = (cells: Parameters<Matrix["record"]>[0]): void => {
  expect(matrix.record(cells)).toEqual([]);
};

/** The account the operator impersonates for a ResourceSet in `namespace` that names none. */
const defaultAccount = (namespace: string): ServiceAccountRef => ({
  namespace,
  name: RESOURCESET_DEFAULT_SERVICE_ACCOUNT,
});

/** The hostile ResourceSet of issue 12: its one template makes the tenant cluster-admin. */
function escalatingResourceSet(tenant: Tenant, namespace: string): Manifest {
  return {
    apiVersion: `${OPERATOR_GROUP}/v1`,
    kind: "ResourceSet",
    metadata: { name: `${tenant.name}-escalates`, namespace },
    spec: { resources: [clusterAdminFor(tenant)] },
  };
}

function clusterAdminFor(tenant: Tenant): Manifest {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name: `${tenant.name}-takes-cluster-admin` },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "cluster-admin" },
    subjects: [{ kind: "ServiceAccount", ...tenant.account }],
  };
}

beforeAll(async () => {
  const manifests = (await renderStack("prod")).objects.map((object) => object.manifest);
  tenants = tenantsOf(manifests);
  await installFluxCrds(admin);
  // Server-side apply is idempotent, so this holds whichever cluster test ran first.
  await applyAll(admin, [...manifests, ...chartRbac]);
  for (const role of ["admin", "edit"]) {
    await waitForAggregatedRule(admin, role, {
      group: OPERATOR_GROUP,
      resource: "resourcesets",
      verb: "create",
    });
  }
  await waitForAggregatedRule(admin, "view", {
    group: OPERATOR_GROUP,
    resource: "resourcesets",
    verb: "get",
  });
});

afterAll(async () => {
  await deleteAndWait(admin, created);
  console.log(matrix.render());
});

describe("the chart's aggregation", () => {
  it("gives admin and edit the ResourceSet writes, and view only reads", async () => {
    const verbsIn = async (role: string): Promise<string[]> => {
      const response = await admin.get(`/apis/${RBAC}/v1/clusterroles/${role}`);
      const rules =
        (response.body as { rules?: { apiGroups?: string[]; verbs?: string[] }[] }).rules ?? [];
      const verbs = rules
        .filter((rule) => rule.apiGroups?.includes(OPERATOR_GROUP))
        .flatMap((rule) => rule.verbs ?? []);
      return [...new Set(verbs)].sort();
    };
    const all = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    expect(await verbsIn("admin")).toEqual(all);
    expect(await verbsIn("edit")).toEqual(all);
    expect(await verbsIn("view")).toEqual(["get", "list", "watch"]);
  });
});

describe("a tenant's Flux ServiceAccount", () => {
  it("belongs to the three prod applications", () => {
    expect(tenants.map((tenant) => tenant.name)).toEqual(["payments", "reporting", "storefront"]);
  });

  it("can manage ResourceSets and ResourceSetInputProviders in its workload namespace", async () => {
    for (const tenant of tenants) {
      const asked = questions([...WRITE_VERBS, "get", "list"], OPERATOR_RESOURCES, [
        tenant.workloads,
      ]);
      expectCells(await reviewCells(admin, tenant.account, asked, true));
    }
  });

  it("cannot in its Flux namespace, other tenants' namespaces, flux-system or kube-system, nor cluster-wide", async () => {
    for (const tenant of tenants) {
      const elsewhere = [
        tenant.flux,
        ...tenants.filter((other) => other !== tenant).map((other) => other.workloads),
        FLUX_SYSTEM,
        "kube-system",
        undefined,
      ];
      const asked = questions(WRITE_VERBS, OPERATOR_RESOURCES, elsewhere);
      expectCells(await reviewCells(admin, tenant.account, asked, false));
    }
  });

  it("creates the escalating ResourceSet in its workload namespace only, as real requests", async () => {
    for (const tenant of tenants) {
      const as = actingAs(admin, tenant.account);
      for (const [namespace, expected] of [
        [tenant.workloads, true],
        [tenant.flux, false],
        [FLUX_SYSTEM, false],
      ] as const) {
        const resourceSet = escalatingResourceSet(tenant, namespace);
        const response = await as.post(
          `/apis/${OPERATOR_GROUP}/v1/namespaces/${namespace}/resourcesets`,
          resourceSet,
        );
        if (response.status === 201) created.push(resourceSet);
        expectCells([
          requestCell(
            tenant.account,
            "create",
            `${OPERATOR_GROUP}/resourcesets (cluster-admin template)`,
            namespace,
            expected,
            response,
          ),
        ]);
        if (!expected) expect(response.status, statusMessage(response)).toBe(403);
      }
    }
  });
});

describe("the account the operator acts as for a tenant's ResourceSet that names none", () => {
  it("may not apply the escalating template: the ClusterRoleBinding is refused", async () => {
    for (const tenant of tenants) {
      const account = defaultAccount(tenant.workloads);
      const response = await actingAs(admin, account).post(
        `/apis/${RBAC}/v1/clusterrolebindings`,
        clusterAdminFor(tenant),
      );
      if (response.status === 201) created.push(clusterAdminFor(tenant));
      expectCells([
        requestCell(
          account,
          "create",
          "clusterrolebinding to cluster-admin",
          undefined,
          false,
          response,
        ),
      ]);
      expect(response.status, statusMessage(response)).toBe(403);
    }
  });

  it("may do nothing in the tenant's namespace until the tenant grants it something", async () => {
    for (const tenant of tenants) {
      const asked = questions(
        ["get", "create"],
        [
          { group: "", resource: "secrets" },
          { group: "apps", resource: "deployments" },
          { group: RBAC, resource: "rolebindings" },
          ...OPERATOR_RESOURCES,
        ],
        [tenant.workloads],
      );
      expectCells(await reviewCells(admin, defaultAccount(tenant.workloads), asked, false));
    }
  });
});

describe("flux-system's flux-operator-tenant, the default for the platform's ResourceSets", () => {
  const account = defaultAccount(FLUX_SYSTEM);

  it("exists, as the stack renders it", async () => {
    const response = await admin.get(
      `/api/v1/namespaces/${FLUX_SYSTEM}/serviceaccounts/${account.name}`,
    );
    expect(response.status, statusMessage(response)).toBe(200);
  });

  it("may do nothing in flux-system", async () => {
    const asked: Question[] = questions(
      ["get", "list", "create", "update", "delete"],
      [
        { group: "", resource: "secrets" },
        { group: "", resource: "configmaps" },
        { group: "", resource: "serviceaccounts" },
        { group: "apps", resource: "deployments" },
        { group: RBAC, resource: "rolebindings" },
        { group: "source.toolkit.fluxcd.io", resource: "gitrepositories" },
        { group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations" },
        { group: OPERATOR_GROUP, resource: "fluxinstances" },
        ...OPERATOR_RESOURCES,
      ],
      [FLUX_SYSTEM],
    );
    expectCells(await reviewCells(admin, account, asked, false));
  });

  it("may do nothing outside it either: no cluster roles, no namespaces, no Secrets anywhere", async () => {
    const asked: Question[] = [
      ...questions(
        ["create"],
        [
          { group: RBAC, resource: "clusterrolebindings" },
          { group: RBAC, resource: "clusterroles" },
          { group: "", resource: "namespaces" },
          { group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
        ],
        [undefined],
      ),
      ...questions(
        ["get", "list"],
        [{ group: "", resource: "secrets" }],
        [undefined, "kube-system", ...tenants.flatMap((tenant) => [tenant.workloads, tenant.flux])],
      ),
    ];
    expectCells(await reviewCells(admin, account, asked, false));
    const tenant = tenants[0];
    if (!tenant) throw new Error("the prod stack has no tenant");
    const response = await actingAs(admin, account).post(
      `/apis/${RBAC}/v1/clusterrolebindings`,
      clusterAdminFor(tenant),
    );
    if (response.status === 201) created.push(clusterAdminFor(tenant));
    expectCells([
      requestCell(
        account,
        "create",
        "clusterrolebinding to cluster-admin",
        undefined,
        false,
        response,
      ),
    ]);
  });

  it("is not the operator's own account, which is cluster-admin: the chart's default would be", async () => {
    expectCells(
      await reviewCells(
        admin,
        OPERATOR_ACCOUNT,
        [{ verb: "create", group: RBAC, resource: "clusterrolebindings" }],
        true,
      ),
    );
    expect(account).not.toEqual(OPERATOR_ACCOUNT);
  });
});
