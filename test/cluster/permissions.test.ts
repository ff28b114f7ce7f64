/**
 * The tenant boundary, checked by the real authorizer against the prod stack as applied: what
 * each application's Flux ServiceAccount may and may not do, what External DNS and the Sealed
 * Secrets controller may do. SubjectAccessReviews answer single verbs; where RBAC decides on
 * more than the verb (binding or creating roles), real requests made as the ServiceAccount do.
 * The whole matrix is printed as a table at the end.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KubeApi, statusMessage } from "../../tools/kube/api";
import type { Manifest } from "../../tools/kube/manifest";
import { installFluxCrds } from "../../tools/local/cluster";
import { renderStack } from "../../tools/render/render";
import { actingAs, questions, requestCell, reviewCells, type ServiceAccountRef } from "./access";
import { Matrix } from "./matrix";
import { applyAll, type Tenant, tenantsOf, waitForAggregatedRule } from "./stackTenants";

const admin = new KubeApi(inject("kubeAccess"));
const matrix = new Matrix();

const WORKLOAD_RESOURCES = [
  { group: "apps", resource: "deployments" },
  { group: "", resource: "services" },
  { group: "", resource: "configmaps" },
  { group: "", resource: "secrets" },
  // Aggregated into `admin` by the program's sealed-secrets-edit ClusterRole.
  { group: "bitnami.com", resource: "sealedsecrets" },
];
const WRITE_VERBS = ["create", "update", "delete"];
const READ_VERBS = ["get", "list", "watch"];
/** The Flux objects in a tenant's Flux namespace that confine it. */
const FLUX_OBJECTS = [
  { group: "source.toolkit.fluxcd.io", resource: "gitrepositories" },
  { group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations" },
];
const PLATFORM_NAMESPACES = ["kube-system", "flux-system"];
const RBAC = "rbac.authorization.k8s.io";

let manifests: Manifest[] = [];
let tenants: Tenant[] = [];

const rendered = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`the prod stack renders no ${kind} ${name}`);
  return found;
};

/** The ServiceAccount a rendered Deployment's pods run as. */
const podServiceAccount = (deployment: Manifest): ServiceAccountRef => {
  const spec = deployment["spec"] as { template: { spec: { serviceAccountName: string } } };
  return {
    namespace: deployment.metadata.namespace ?? "",
    name: spec.template.spec.serviceAccountName,
  };
};

/** A tenant's own namespaces: its workloads' and its Flux objects'. */
const namespacesOf = (tenant: Tenant): string[] => [tenant.workloads, tenant.flux];

/** Records cells and fails with one line per cell the server answered other than expected. */
const expectCells = (cells: Parameters<Matrix["record"]>[0]): void => {
  expect(matrix.record(cells)).toEqual([]);
};

beforeAll(async () => {
  manifests = (await renderStack("prod")).objects.map((object) => object.manifest);
  tenants = tenantsOf(manifests);
  await installFluxCrds(admin);
  // Server-side apply is idempotent, so this holds whether or not apply.test.ts ran first.
  await applyAll(admin, manifests);
  // `admin`, `edit` and `view` get their rules from the controller manager's aggregation.
  await waitForAggregatedRule(admin, "admin", {
    group: "apps",
    resource: "deployments",
    verb: "create",
  });
  await waitForAggregatedRule(admin, "admin", {
    group: "bitnami.com",
    resource: "sealedsecrets",
    verb: "create",
  });
});

afterAll(() => {
  // The requested output of this suite: the whole matrix, once.
  console.log(matrix.render());
});

describe("each application's Flux ServiceAccount", () => {
  it("belongs to the three prod applications, each owning <name> and <name>-flux", () => {
    expect(tenants).toEqual(
      // In render order, which sorts by namespace.
      ["payments", "reporting", "storefront"].map((name) => ({
        name,
        account: { namespace: `${name}-flux`, name: "flux-reconciler" },
        workloads: name,
        flux: `${name}-flux`,
      })),
    );
  });

  it("can create, update and delete Deployments, Services, ConfigMaps, Secrets and SealedSecrets in its workload namespace", async () => {
    for (const tenant of tenants) {
      const asked = questions(WRITE_VERBS, WORKLOAD_RESOURCES, [tenant.workloads]);
      expectCells(await reviewCells(admin, tenant.account, asked, true));
    }
  });

  it("can do nothing in its own Flux namespace: no writes, not its deploy key, not the Flux objects that confine it", async () => {
    for (const tenant of tenants) {
      const asked = [
        ...questions(WRITE_VERBS, WORKLOAD_RESOURCES, [tenant.flux]),
        ...questions(READ_VERBS, [{ group: "", resource: "secrets" }], [tenant.flux]),
        ...questions(["get", "update", "patch", "delete"], FLUX_OBJECTS, [tenant.flux]),
      ];
      expectCells(await reviewCells(admin, tenant.account, asked, false));
      const deployKey = `${tenant.name}-deploy-key`;
      const read = await actingAs(admin, tenant.account).get(
        `/api/v1/namespaces/${tenant.flux}/secrets/${deployKey}`,
      );
      expectCells([
        requestCell(tenant.account, "get", `secrets ${deployKey}`, tenant.flux, false, read),
      ]);
    }
  });

  it("cannot do so in other applications' namespaces, kube-system or flux-system", async () => {
    for (const tenant of tenants) {
      const elsewhere = [
        ...tenants.filter((other) => other !== tenant).flatMap(namespacesOf),
        ...PLATFORM_NAMESPACES,
      ];
      const asked = questions(WRITE_VERBS, WORKLOAD_RESOURCES, elsewhere);
      expectCells(await reviewCells(admin, tenant.account, asked, false));
    }
  });

  it("cannot create Namespaces, ClusterRoles, ClusterRoleBindings or CRDs, nor relax its own Namespaces' Pod Security", async () => {
    for (const tenant of tenants) {
      const clusterScoped = questions(
        ["create"],
        [
          { group: "", resource: "namespaces" },
          { group: RBAC, resource: "clusterroles" },
          { group: RBAC, resource: "clusterrolebindings" },
          { group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
        ],
        [undefined],
      );
      // Its Pod Security labels live on these Namespace objects. A request on a Namespace
      // object is authorized as a request in that namespace: in <name>, one by an admin.
      const ownNamespaces = namespacesOf(tenant).flatMap((name) =>
        ["update", "patch", "delete"].map((verb) => ({
          verb,
          group: "",
          resource: "namespaces",
          namespace: name,
          name,
        })),
      );
      expectCells(
        await reviewCells(admin, tenant.account, [...clusterScoped, ...ownNamespaces], false),
      );
      const workloads = tenant.workloads;
      const as = actingAs(admin, tenant.account);
      const read = await as.get(`/api/v1/namespaces/${workloads}`);
      const relaxed = await as.request(
        "PATCH",
        `/api/v1/namespaces/${workloads}`,
        { metadata: { labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
        "application/merge-patch+json",
      );
      expectCells([
        requestCell(tenant.account, "get", `namespaces ${workloads}`, workloads, true, read),
        requestCell(tenant.account, "patch", `namespaces ${workloads}`, workloads, false, relaxed),
      ]);
    }
  });

  it("cannot write Endpoints or EndpointSlices in its own namespace, nor touch admission", async () => {
    for (const tenant of tenants) {
      // `edit`, and so `admin`, has not written Endpoints since Kubernetes 1.22 (CVE-2021-25740):
      // a Service whose endpoints the tenant wrote by hand would send traffic anywhere.
      const endpoints = questions(
        WRITE_VERBS,
        [
          { group: "", resource: "endpoints" },
          { group: "discovery.k8s.io", resource: "endpointslices" },
        ],
        [tenant.workloads],
      );
      const admission = questions(
        WRITE_VERBS,
        [
          { group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations" },
          { group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations" },
          { group: "admissionregistration.k8s.io", resource: "validatingadmissionpolicies" },
          {
            group: "admissionregistration.k8s.io",
            resource: "validatingadmissionpolicybindings",
          },
        ],
        [undefined],
      );
      // The policies that hold this tenant, by name.
      const ownPolicies = ["no-external-ips", "no-foreign-dependencies"].flatMap((policy) =>
        ["update", "patch", "delete"].map((verb) => ({
          verb,
          group: "admissionregistration.k8s.io",
          resource: "validatingadmissionpolicybindings",
          name: `k8s-flux-${tenant.name}-${policy}`,
        })),
      );
      expectCells(
        await reviewCells(
          admin,
          tenant.account,
          [...endpoints, ...admission, ...ownPolicies],
          false,
        ),
      );
    }
  });

  it("cannot read Secrets outside its own namespaces", async () => {
    for (const tenant of tenants) {
      const elsewhere = [
        ...tenants.filter((other) => other !== tenant).flatMap(namespacesOf),
        ...PLATFORM_NAMESPACES,
        "external-dns",
        "default",
        // All namespaces at once.
        undefined,
      ];
      const asked = questions(["get", "list"], [{ group: "", resource: "secrets" }], elsewhere);
      expectCells(await reviewCells(admin, tenant.account, asked, false));
      const listed = await actingAs(admin, tenant.account).get(
        "/api/v1/namespaces/kube-system/secrets",
      );
      expectCells([requestCell(tenant.account, "list", "secrets", "kube-system", false, listed)]);
    }
  });

  it("cannot escalate: binding cluster-admin, or a Role granting everything, is refused in its own namespace", async () => {
    for (const tenant of tenants) {
      const workloads = tenant.workloads;
      const as = actingAs(admin, tenant.account);
      const bindClusterAdmin = await as.post(
        `/apis/${RBAC}/v1/namespaces/${workloads}/rolebindings`,
        binding("escalate-to-cluster-admin", workloads, "cluster-admin", tenant.account),
      );
      const grantEverything = await as.post(`/apis/${RBAC}/v1/namespaces/${workloads}/roles`, {
        apiVersion: `${RBAC}/v1`,
        kind: "Role",
        metadata: { name: "everything", namespace: workloads },
        rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
      });
      expectCells([
        requestCell(
          tenant.account,
          "create",
          "rolebinding to cluster-admin",
          workloads,
          false,
          bindClusterAdmin,
        ),
        requestCell(tenant.account, "create", "role with */*/*", workloads, false, grantEverything),
      ]);
      // Refused by RBAC's escalation check, not for some unrelated reason.
      for (const refused of [bindClusterAdmin, grantEverything]) {
        expect(refused.status).toBe(403);
        expect(statusMessage(refused)).toMatch(
          /attempting to grant RBAC permissions not currently held/,
        );
      }
      // Neither verb that would lift the check is granted.
      const liftingVerbs = [
        {
          verb: "bind",
          group: RBAC,
          resource: "clusterroles",
          name: "cluster-admin",
          namespace: workloads,
        },
        { verb: "escalate", group: RBAC, resource: "roles", namespace: workloads },
      ];
      expectCells(await reviewCells(admin, tenant.account, liftingVerbs, false));
    }
  });

  it("can bind view, edit and admin in its own namespace, since it holds all they grant there", async () => {
    for (const tenant of tenants) {
      const workloads = tenant.workloads;
      const as = actingAs(admin, tenant.account);
      for (const role of ["view", "edit", "admin"]) {
        const name = `control-${role}`;
        const created = await as.post(
          `/apis/${RBAC}/v1/namespaces/${workloads}/rolebindings`,
          binding(name, workloads, role, tenant.account),
        );
        expectCells([
          requestCell(tenant.account, "create", `rolebinding to ${role}`, workloads, true, created),
        ]);
        const removed = await as.delete(
          `/apis/${RBAC}/v1/namespaces/${workloads}/rolebindings/${name}`,
        );
        expect(removed.status, statusMessage(removed)).toBe(200);
      }
      // The same binding in another application's namespace is refused outright.
      const other = tenants.find((candidate) => candidate !== tenant)?.workloads ?? "";
      const foreign = await as.post(
        `/apis/${RBAC}/v1/namespaces/${other}/rolebindings`,
        binding("control-view", other, "view", tenant.account),
      );
      expectCells([
        requestCell(tenant.account, "create", "rolebinding to view", other, false, foreign),
      ]);
    }
  });
});

describe("External DNS's ServiceAccount", () => {
  const account = (): ServiceAccountRef =>
    podServiceAccount(rendered("Deployment", "external-dns"));

  it("can read services, endpoints, endpointslices, pods, ingresses and list nodes, cluster-wide", async () => {
    const reads = questions(
      READ_VERBS,
      [
        { group: "", resource: "services" },
        { group: "", resource: "endpoints" },
        { group: "discovery.k8s.io", resource: "endpointslices" },
        { group: "", resource: "pods" },
        { group: "networking.k8s.io", resource: "ingresses" },
      ],
      [undefined],
    );
    const nodes = questions(["list", "watch"], [{ group: "", resource: "nodes" }], [undefined]);
    expectCells(await reviewCells(admin, account(), [...reads, ...nodes], true));
    const listed = await actingAs(admin, account()).get("/api/v1/services");
    expectCells([requestCell(account(), "list", "services", undefined, true, listed)]);
  });

  it("can do nothing else: no Secrets, no ConfigMaps, no writes, no single node", async () => {
    const denied = [
      ...questions(
        READ_VERBS,
        [
          { group: "", resource: "secrets" },
          { group: "", resource: "configmaps" },
        ],
        [undefined, "external-dns", "kube-system"],
      ),
      ...questions(
        WRITE_VERBS,
        [
          { group: "", resource: "services" },
          { group: "networking.k8s.io", resource: "ingresses" },
          { group: "", resource: "pods" },
        ],
        [undefined],
      ),
      { verb: "get", group: "", resource: "nodes" },
    ];
    expectCells(await reviewCells(admin, account(), denied, false));
    const listed = await actingAs(admin, account()).get("/api/v1/secrets");
    expectCells([requestCell(account(), "list", "secrets", undefined, false, listed)]);
  });
});

describe("the Sealed Secrets controller's ServiceAccount", () => {
  const account = (): ServiceAccountRef =>
    podServiceAccount(rendered("Deployment", "sealed-secrets-controller"));

  it("can manage Secrets in every namespace and update SealedSecret status", async () => {
    const allowed = [
      ...questions(
        ["get", "list", "watch", "create", "update", "delete"],
        [{ group: "", resource: "secrets" }],
        [undefined, "storefront", "kube-system"],
      ),
      ...questions(READ_VERBS, [{ group: "bitnami.com", resource: "sealedsecrets" }], [undefined]),
      {
        verb: "update",
        group: "bitnami.com",
        resource: "sealedsecrets",
        subresource: "status",
        namespace: "storefront",
      },
      { verb: "create", group: "", resource: "events", namespace: "storefront" },
    ];
    expectCells(await reviewCells(admin, account(), allowed, true));
  });

  it("cannot change SealedSecrets themselves or grant itself more", async () => {
    const denied = [
      { verb: "update", group: "bitnami.com", resource: "sealedsecrets", namespace: "storefront" },
      { verb: "delete", group: "bitnami.com", resource: "sealedsecrets", namespace: "storefront" },
      { verb: "create", group: RBAC, resource: "clusterrolebindings" },
      { verb: "create", group: RBAC, resource: "rolebindings", namespace: "kube-system" },
    ];
    expectCells(await reviewCells(admin, account(), denied, false));
  });
});

function binding(name: string, namespace: string, clusterRole: string, subject: ServiceAccountRef) {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: "RoleBinding",
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: clusterRole },
    subjects: [{ kind: "ServiceAccount", name: subject.name, namespace: subject.namespace }],
  };
}
