/**
 * A tenant's guardrails beside RBAC, judged by the real API server: the admission policies that
 * refuse Services with externalIPs, dependencies in other namespaces and, given its DNS domains,
 * names outside them, in the tenant's namespaces (and nowhere else), the quota and container
 * defaults of its workload namespace as the API server's own admission applies them, and that
 * the tenant can lift none of it. The tenant is rendered by the program from a stack with all of
 * them set, but for the DNS policy, which the component builds from `dnsDomains` and is applied
 * from its builder; only the tenant's objects are applied, and removed again at the end. Objects
 * made before a namespace was the tenant's show that the policies refuse only new claims, so such
 * objects can still be changed and finalized. The network policy is accepted here; no network
 * plugin runs to enforce it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  externalIpsRefusal,
  tenantPolicyBinding,
} from "../../components/applicationFlux/admission";
import {
  dnsNamesPolicyName,
  dnsNamesRefusal,
  ingressCatchAllRefusal,
  tenantDnsNamesPolicy,
} from "../../components/applicationFlux/dnsNames";
import { foreignDependenciesRefusal } from "../../components/applicationFlux/foreignDependencies";
import { TENANT_LABEL } from "../../components/applicationFlux/tenancy";
import { KubeApi, type KubeResponse, statusMessage } from "../../tools/kube/api";
import { applyInOrder, deleteAndWait, formatRejection } from "../../tools/kube/apply";
import type { Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";
import { installFluxCrds } from "../../tools/local/cluster";
import { renderStack } from "../../tools/render/render";
import { actingAs, questions, requestCell, reviewCells } from "./access";
import { Matrix } from "./matrix";
import { type Tenant, tenantsOf } from "./stackTenants";

const admin = new KubeApi(inject("kubeAccess"));
const matrix = new Matrix();

const TENANT = "guarded";
/** A namespace of no tenant, as the platform's own would be. */
const PLATFORM_NAMESPACE = "guardrails-platform";
/** A namespace whose objects were made before it was given to the tenant. */
const ADOPTED_NAMESPACE = "guardrails-adopted";
/** Keeps a deleted object until the test lets it go, as a controller's cleanup would. */
const FINALIZER = "guardrails.k8s-flux.test/held";
const EXTERNAL_IP = "203.0.113.10";
/** The tenant's own DNS domain, as `applications[i].dnsDomains` would give it. */
const TENANT_DOMAIN = "guarded.example.com";
const HOSTNAME = "external-dns.kubernetes.io/hostname";
const SETTINGS = {
  applications: [
    {
      name: TENANT,
      repository: `git@github.com:acme/${TENANT}-flux.git`,
      resourceQuota: { "requests.cpu": "1", secrets: 1 },
      limitRange: { default: { cpu: "200m", memory: "256Mi" }, defaultRequest: { cpu: "100m" } },
      networkPolicy: true,
    },
  ],
};

let tenant: Tenant;
let applied: readonly Manifest[] = [];
/** Objects made by the tests themselves, removed before the tenant's. */
const made: Manifest[] = [];

const expectCells = (cells: Parameters<Matrix["record"]>[0]): void => {
  expect(matrix.record(cells)).toEqual([]);
};

const servicesIn = (namespace: string) => `/api/v1/namespaces/${namespace}/services`;
const ingressesIn = (namespace: string) =>
  `/apis/networking.k8s.io/v1/namespaces/${namespace}/ingresses`;

/** The tenant's request in its workload namespace was refused, with `refusal` in the message. */
function expectRefusedToTenant(
  verb: string,
  what: string,
  response: KubeResponse,
  refusal: string,
): void {
  expectCells([requestCell(tenant.account, verb, what, tenant.workloads, false, response)]);
  expect(statusMessage(response)).toContain(refusal);
}

const service = (name: string, namespace: string, externalIPs?: string[]): Manifest => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { ports: [{ port: 80 }], ...(externalIPs ? { externalIPs } : {}) },
});

/** A Service or Ingress that asks External DNS for `names` through the hostname annotation. */
const named = (manifest: Manifest, names: string, key = HOSTNAME): Manifest => ({
  ...manifest,
  metadata: { ...manifest.metadata, annotations: { [key]: names } },
});

const BACKEND = { service: { name: "plain", port: { number: 80 } } };

/** An Ingress rule for `host`; without one, the rule takes every host. */
const ingressRule = (host: string | undefined) => ({
  ...(host === undefined ? {} : { host }),
  http: { paths: [{ path: "/", pathType: "Prefix", backend: BACKEND }] },
});

const ingress = (
  name: string,
  namespace: string,
  hosts: {
    /** A rule per entry; `undefined` makes a rule without a host. */
    readonly rules?: (string | undefined)[];
    readonly tls?: string[];
    readonly defaultBackend?: true;
  },
): Manifest => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace },
  spec: {
    rules: (hosts.rules ?? []).map(ingressRule),
    ...(hosts.tls ? { tls: [{ hosts: hosts.tls, secretName: "tls" }] } : {}),
    ...(hosts.defaultBackend ? { defaultBackend: BACKEND } : {}),
  },
});

interface Dependency {
  readonly name: string;
  readonly namespace?: string;
}

const kustomization = (name: string, namespace: string, dependsOn: Dependency[]): Manifest => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace },
  spec: {
    interval: "10m",
    prune: false,
    sourceRef: { kind: "GitRepository", name: "absent" },
    dependsOn: dependsOn.map((dependency) => ({
      ...dependency,
      readyExpr: "dep.spec.path.startsWith('./')",
    })),
  },
});

const MERGE_PATCH = "application/merge-patch+json";
const JSON_PATCH = "application/json-patch+json";

const objectPath = (manifest: Manifest): Promise<string> =>
  admin.path(
    manifest.apiVersion,
    manifest.kind,
    manifest.metadata.namespace,
    manifest.metadata.name,
  );

/** Objects made in ADOPTED_NAMESPACE, each held by FINALIZER. */
const adopted: Manifest[] = [];

/** Posts an object as `api`; keeps it for removal when it was created. */
async function create(api: KubeApi, path: string, manifest: Manifest): Promise<KubeResponse> {
  const response = await api.post(path, manifest);
  if (response.status === 201) made.push(manifest);
  return response;
}

beforeAll(async () => {
  const rendering = await renderStack("prod", SETTINGS);
  const ofTenant = rendering.objects
    .map((object) => object.manifest)
    .filter(
      (m) =>
        (m.metadata["labels"] as Record<string, string> | undefined)?.[TENANT_LABEL] === TENANT,
    );
  [tenant] = tenantsOf(ofTenant) as [Tenant];
  await installFluxCrds(admin);
  const platform: Manifest = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: PLATFORM_NAMESPACE },
  };
  const dnsPolicy: Manifest = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    ...tenantDnsNamesPolicy({ tenant: TENANT, domains: [TENANT_DOMAIN] }),
  };
  const dnsBinding: Manifest = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    ...tenantPolicyBinding(TENANT, dnsNamesPolicyName(TENANT)),
  };
  const result = await applyInOrder(admin, [platform, ...ofTenant, dnsPolicy, dnsBinding]);
  applied = result.applied;
  if (result.rejections.length > 0) {
    throw new Error(`refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
  // The API server takes up a new admission policy from its informers, a moment after the
  // policy and its binding exist: until a dry run is refused, it is not enforced yet.
  await waitFor(
    async () => {
      const dryRun = await admin.post(
        `/api/v1/namespaces/${tenant.workloads}/services?dryRun=All`,
        service("probe", tenant.workloads, [EXTERNAL_IP]),
      );
      return dryRun.status === 403 || `the admission policy is not enforced yet (${dryRun.status})`;
    },
    { deadline: within(60_000) },
  );
  await waitFor(
    async () => {
      const dryRun = await admin.post(
        `/api/v1/namespaces/${tenant.workloads}/services?dryRun=All`,
        named(service("probe", tenant.workloads), "probe.example.net"),
      );
      return dryRun.status === 403 || `the DNS names policy is not enforced yet (${dryRun.status})`;
    },
    { deadline: within(60_000) },
  );
  await waitFor(
    async () => {
      const dryRun = await admin.post(
        `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${tenant.workloads}/kustomizations?dryRun=All`,
        kustomization("probe", tenant.workloads, [
          { name: "flux-system", namespace: "flux-system" },
        ]),
      );
      return (
        dryRun.status === 403 || `the dependencies policy is not enforced yet (${dryRun.status})`
      );
    },
    { deadline: within(60_000) },
  );
  // The quota admits nothing until its controller has counted what the namespace holds.
  await waitFor(
    async () => {
      const quota = await admin.get(
        `/api/v1/namespaces/${tenant.workloads}/resourcequotas/k8s-flux-tenant-quota`,
      );
      const hard = (quota.body as { status?: { hard?: Record<string, string> } }).status?.hard;
      return hard?.["secrets"] !== undefined || "the quota has no status yet";
    },
    { deadline: within(60_000) },
  );
  // Pods need the namespace's default ServiceAccount, which its controller makes.
  await waitFor(
    async () =>
      (await admin.get(`/api/v1/namespaces/${tenant.workloads}/serviceaccounts/default`)).status ===
        200 || `no default ServiceAccount in ${tenant.workloads} yet`,
    { deadline: within(60_000) },
  );
});

afterAll(async () => {
  // Let go of what a failed test left held, so that its namespace can go.
  for (const manifest of adopted) {
    const path = await objectPath(manifest);
    await admin.request("PATCH", path, { metadata: { finalizers: null } }, MERGE_PATCH);
    await admin.delete(path);
  }
  await admin.delete(`/api/v1/namespaces/${ADOPTED_NAMESPACE}`);
  await deleteAndWait(admin, made);
  // Namespaces are only asked to go, not waited for: the namespace controller finishes a
  // deletion only once discovery answers for every API group, and the prod stack's
  // metrics.k8s.io APIService, which other files apply, has no server behind it here.
  for (const manifest of [...applied].reverse()) {
    const { apiVersion, kind, metadata } = manifest;
    const response = await admin.delete(
      await admin.path(apiVersion, kind, metadata.namespace, metadata.name),
    );
    expect([200, 202, 404], `deleting ${kind} ${metadata.name}`).toContain(response.status);
  }
  console.log(matrix.render());
});

describe("the tenant's objects", () => {
  it("are all accepted, guardrails included", () => {
    expect(applied.map((m) => m.kind).sort()).toEqual(
      [
        "GitRepository",
        "Kustomization",
        "LimitRange",
        "Namespace",
        "Namespace",
        "Namespace",
        "NetworkPolicy",
        "ResourceQuota",
        "RoleBinding",
        "Secret",
        "ServiceAccount",
        // Against externalIPs and foreign dependencies from the stack; on DNS names from its builder.
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingAdmissionPolicyBinding",
      ].sort(),
    );
  });
});

describe("Services with externalIPs", () => {
  it("are refused to the tenant with the policy's message; others are created", async () => {
    const as = actingAs(admin, tenant.account);
    const refused = await create(
      as,
      servicesIn(tenant.workloads),
      service("intercepts", tenant.workloads, [EXTERNAL_IP]),
    );
    const accepted = await create(
      as,
      servicesIn(tenant.workloads),
      service("plain", tenant.workloads),
    );
    expectCells([
      requestCell(
        tenant.account,
        "create",
        "services with externalIPs",
        tenant.workloads,
        false,
        refused,
      ),
      requestCell(tenant.account, "create", "services", tenant.workloads, true, accepted),
    ]);
    expect(refused.status).toBe(403);
    expect(statusMessage(refused)).toContain(externalIpsRefusal(TENANT));
  });

  it("cannot be made by adding externalIPs to a Service later", async () => {
    const patched = await actingAs(admin, tenant.account).request(
      "PATCH",
      `${servicesIn(tenant.workloads)}/plain`,
      { spec: { externalIPs: [EXTERNAL_IP] } },
      "application/merge-patch+json",
    );
    expectRefusedToTenant(
      "patch",
      "services: add externalIPs",
      patched,
      externalIpsRefusal(TENANT),
    );
  });

  it("are refused to anyone in both of the tenant's namespaces, even the cluster admin", async () => {
    for (const namespace of [tenant.workloads, tenant.flux]) {
      const response = await create(
        admin,
        servicesIn(namespace),
        service("admin-intercepts", namespace, [EXTERNAL_IP]),
      );
      expect(response.status, namespace).toBe(403);
      expect(statusMessage(response)).toContain(externalIpsRefusal(TENANT));
    }
  });

  it("are still allowed in a namespace of no tenant", async () => {
    const response = await create(
      admin,
      servicesIn(PLATFORM_NAMESPACE),
      service("platform-external", PLATFORM_NAMESPACE, [EXTERNAL_IP]),
    );
    expect(response.status, statusMessage(response)).toBe(201);
  });
});

describe("dependencies in other namespaces", () => {
  const path = (group: string, resource: string, namespace: string) =>
    `/apis/${group}/namespaces/${namespace}/${resource}`;
  const kustomizations = (namespace: string) =>
    path("kustomize.toolkit.fluxcd.io/v1", "kustomizations", namespace);

  it("are refused in a Kustomization, a HelmRelease and a ResourceSet, to anyone, in both of the tenant's namespaces", async () => {
    for (const namespace of [tenant.workloads, tenant.flux]) {
      const reachOut = await create(
        admin,
        kustomizations(namespace),
        kustomization("platform-oracle", namespace, [
          { name: "flux-system", namespace: "flux-system" },
        ]),
      );
      expect(reachOut.status, namespace).toBe(403);
      expect(statusMessage(reachOut)).toContain(foreignDependenciesRefusal(TENANT));
    }
    const helmRelease = await create(
      admin,
      path("helm.toolkit.fluxcd.io/v2", "helmreleases", tenant.workloads),
      {
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: { name: "other-tenant-oracle", namespace: tenant.workloads },
        spec: {
          interval: "10m",
          chartRef: { kind: "OCIRepository", name: "absent" },
          dependsOn: [{ name: "payments", namespace: "payments" }],
        },
      },
    );
    const resourceSet = await create(
      admin,
      path("fluxcd.controlplane.io/v1", "resourcesets", tenant.workloads),
      {
        apiVersion: "fluxcd.controlplane.io/v1",
        kind: "ResourceSet",
        metadata: { name: "config-oracle", namespace: tenant.workloads },
        spec: {
          dependsOn: [
            {
              apiVersion: "v1",
              kind: "ConfigMap",
              name: "settings",
              namespace: "payments",
              ready: true,
              readyExpr: "data.password.startsWith('a')",
            },
          ],
          resources: [
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after-the-dependency" } },
          ],
        },
      },
    );
    for (const refused of [helmRelease, resourceSet]) {
      expect(refused.status, statusMessage(refused)).toBe(403);
      expect(statusMessage(refused)).toContain(foreignDependenciesRefusal(TENANT));
    }
  });

  it("are allowed in the object's own namespace, named or not", async () => {
    const own = await create(
      admin,
      kustomizations(tenant.workloads),
      kustomization("after-own", tenant.workloads, [
        { name: "database" },
        { name: "queue", namespace: tenant.workloads },
      ]),
    );
    expect(own.status, statusMessage(own)).toBe(201);
    const added = await admin.request(
      "PATCH",
      `${kustomizations(tenant.workloads)}/after-own`,
      { spec: { dependsOn: [{ name: "flux-system", namespace: "flux-system" }] } },
      "application/merge-patch+json",
    );
    expect(added.status, "a foreign dependency added later").toBe(403);
    expect(statusMessage(added)).toContain(foreignDependenciesRefusal(TENANT));
  });

  it("are still allowed in a namespace of no tenant", async () => {
    const response = await create(
      admin,
      kustomizations(PLATFORM_NAMESPACE),
      kustomization("platform-order", PLATFORM_NAMESPACE, [
        { name: "flux-system", namespace: "flux-system" },
      ]),
    );
    expect(response.status, statusMessage(response)).toBe(201);
  });
});

describe("DNS names outside the tenant's domains", () => {
  const refusal = dnsNamesRefusal(TENANT, [TENANT_DOMAIN]);

  it("are refused to the tenant in External DNS's annotations on a Service, under either prefix", async () => {
    const as = actingAs(admin, tenant.account);
    const hijacks: [string, string, string][] = [
      ["platform-name", "www.example.com", HOSTNAME],
      ["second-name", `shop.${TENANT_DOMAIN}, login.example.com`, HOSTNAME],
      ["suffix-only", `evil${TENANT_DOMAIN}`, HOSTNAME],
      ["legacy-prefix", "www.example.com", "external-dns.alpha.kubernetes.io/hostname"],
      ["internal-name", "api.example.com", "external-dns.kubernetes.io/internal-hostname"],
      ["folded-name", "www.example.com\n", HOSTNAME],
    ];
    for (const [name, names, key] of hijacks) {
      const response = await create(
        as,
        servicesIn(tenant.workloads),
        named(service(name, tenant.workloads), names, key),
      );
      expectRefusedToTenant("create", `services named ${names}`, response, refusal);
    }
  });

  it("are refused to the tenant in an Ingress's rules and TLS hosts", async () => {
    const as = actingAs(admin, tenant.account);
    const hijacks: [string, { rules?: string[]; tls?: string[] }][] = [
      ["rule-host", { rules: ["login.example.com"] }],
      ["tls-host", { rules: [`shop.${TENANT_DOMAIN}`], tls: ["*.example.com"] }],
    ];
    for (const [name, hosts] of hijacks) {
      const response = await create(
        as,
        ingressesIn(tenant.workloads),
        ingress(name, tenant.workloads, hosts),
      );
      expectRefusedToTenant("create", `ingresses (${name})`, response, refusal);
    }
  });

  it("admit the tenant's own domain and its subdomains, in any case and with the trailing dot", async () => {
    const as = actingAs(admin, tenant.account);
    const ownService = await create(
      as,
      servicesIn(tenant.workloads),
      named(service("own-names", tenant.workloads), `Shop.Guarded.Example.com., ${TENANT_DOMAIN}`),
    );
    // As YAML's `>` block scalar writes it, with a newline at the end that External DNS trims.
    const foldedService = await create(
      as,
      servicesIn(tenant.workloads),
      named(service("folded-names", tenant.workloads), `shop.${TENANT_DOMAIN}, ${TENANT_DOMAIN}\n`),
    );
    const ownIngress = await create(
      as,
      ingressesIn(tenant.workloads),
      ingress("own-hosts", tenant.workloads, {
        rules: [`www.${TENANT_DOMAIN}`],
        tls: [`*.${TENANT_DOMAIN}`],
      }),
    );
    expectCells([
      requestCell(
        tenant.account,
        "create",
        "services named its own",
        tenant.workloads,
        true,
        ownService,
      ),
      requestCell(
        tenant.account,
        "create",
        "services named its own, newline-ended",
        tenant.workloads,
        true,
        foldedService,
      ),
      requestCell(
        tenant.account,
        "create",
        "ingresses of its own hosts",
        tenant.workloads,
        true,
        ownIngress,
      ),
    ]);
  });

  it("are not to be caught by an Ingress without a host or with a default backend", async () => {
    const as = actingAs(admin, tenant.account);
    const catchAlls: [string, Parameters<typeof ingress>[2]][] = [
      ["no-host", { rules: [`www.${TENANT_DOMAIN}`, undefined] }],
      ["empty-host", { rules: [""] }],
      ["default-backend", { defaultBackend: true }],
    ];
    for (const [name, hosts] of catchAlls) {
      const response = await create(
        as,
        ingressesIn(tenant.workloads),
        ingress(name, tenant.workloads, hosts),
      );
      expectRefusedToTenant(
        "create",
        `ingresses (${name})`,
        response,
        ingressCatchAllRefusal(TENANT, [TENANT_DOMAIN]),
      );
    }
    const added = await as.request(
      "PATCH",
      `${ingressesIn(tenant.workloads)}/own-hosts`,
      { spec: { defaultBackend: BACKEND } },
      "application/merge-patch+json",
    );
    expectRefusedToTenant(
      "patch",
      "ingresses: add a default backend",
      added,
      ingressCatchAllRefusal(TENANT, [TENANT_DOMAIN]),
    );
  });

  it("cannot be added to an admitted Service later", async () => {
    const patched = await actingAs(admin, tenant.account).request(
      "PATCH",
      `${servicesIn(tenant.workloads)}/own-names`,
      { metadata: { annotations: { [HOSTNAME]: "www.example.com" } } },
      "application/merge-patch+json",
    );
    expectRefusedToTenant("patch", "services: name www.example.com", patched, refusal);
  });

  it("are still allowed in a namespace of no tenant", async () => {
    const response = await create(
      admin,
      servicesIn(PLATFORM_NAMESPACE),
      named(service("platform-name", PLATFORM_NAMESPACE), "www.example.com"),
    );
    expect(response.status, statusMessage(response)).toBe(201);
  });
});

describe("objects made before their namespace was the tenant's", () => {
  const held = (manifest: Manifest): Manifest => ({
    ...manifest,
    metadata: { ...manifest.metadata, finalizers: [FINALIZER] },
  });
  const dependency = { name: "flux-system", namespace: "flux-system" };
  const order = held(kustomization("adopted-order", ADOPTED_NAMESPACE, [dependency]));
  const name = held(named(service("adopted-name", ADOPTED_NAMESPACE), "www.example.com"));
  const hosts = held(
    ingress("adopted-hosts", ADOPTED_NAMESPACE, {
      rules: ["login.example.com", undefined],
      tls: ["*.example.com"],
      defaultBackend: true,
    }),
  );

  beforeAll(async () => {
    const namespace = await admin.post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ADOPTED_NAMESPACE },
    });
    expect(namespace.status, statusMessage(namespace)).toBe(201);
    for (const manifest of [order, name, hosts]) {
      const path = await objectPath(manifest);
      const response = await admin.post(path.slice(0, path.lastIndexOf("/")), manifest);
      expect(response.status, statusMessage(response)).toBe(201);
      adopted.push(manifest);
    }
    // The namespace becomes the tenant's, as an application's namespace does when a stack adds
    // it or an upgrade adds a policy: from then on every binding of the tenant applies there.
    const labelled = await admin.request(
      "PATCH",
      `/api/v1/namespaces/${ADOPTED_NAMESPACE}`,
      { metadata: { labels: { [TENANT_LABEL]: TENANT } } },
      MERGE_PATCH,
    );
    expect(labelled.status, statusMessage(labelled)).toBe(200);
    await waitFor(
      async () => {
        const dryRun = await admin.post(
          `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ADOPTED_NAMESPACE}/kustomizations?dryRun=All`,
          kustomization("probe", ADOPTED_NAMESPACE, [dependency]),
        );
        return dryRun.status === 403 || `the policies are not enforced yet (${dryRun.status})`;
      },
      { deadline: within(60_000) },
    );
  });

  it("take a change that claims nothing new: Flux's reconcile request", async () => {
    for (const manifest of [order, name, hosts]) {
      const response = await admin.request(
        "PATCH",
        await objectPath(manifest),
        {
          metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "2026-01-01T00:00:00Z" } },
        },
        MERGE_PATCH,
      );
      expect(response.status, `${manifest.kind}: ${statusMessage(response)}`).toBe(200);
    }
  });

  it("cannot gain a new foreign dependency, name or host", async () => {
    const newDependency = await admin.request(
      "PATCH",
      await objectPath(order),
      { spec: { dependsOn: [dependency, { name: "payments", namespace: "payments" }] } },
      MERGE_PATCH,
    );
    expect(newDependency.status).toBe(403);
    expect(statusMessage(newDependency)).toContain(foreignDependenciesRefusal(TENANT));
    // The same entry asking another question is a new one.
    const newQuestion = await admin.request(
      "PATCH",
      await objectPath(order),
      { spec: { dependsOn: [{ ...dependency, readyExpr: "dep.spec.suspend == true" }] } },
      MERGE_PATCH,
    );
    expect(newQuestion.status).toBe(403);
    const newName = await admin.request(
      "PATCH",
      await objectPath(name),
      { metadata: { annotations: { [HOSTNAME]: "www.example.com, login.example.com" } } },
      MERGE_PATCH,
    );
    expect(newName.status).toBe(403);
    expect(statusMessage(newName)).toContain(dnsNamesRefusal(TENANT, [TENANT_DOMAIN]));
    for (const [what, operation] of [
      ["a rule host", { op: "add", path: "/spec/rules/-", value: ingressRule("shop.example.net") }],
      ["a TLS host", { op: "add", path: "/spec/tls/0/hosts/-", value: "api.example.net" }],
    ] as const) {
      const newHost = await admin.request(
        "PATCH",
        await objectPath(hosts),
        [operation],
        JSON_PATCH,
      );
      expect(newHost.status, what).toBe(403);
      expect(statusMessage(newHost)).toContain(dnsNamesRefusal(TENANT, [TENANT_DOMAIN]));
    }
  });

  it("are deleted once their finalizers are removed", async () => {
    for (const manifest of [order, name, hosts]) {
      const path = await objectPath(manifest);
      const deleted = await admin.delete(path);
      expect(deleted.status, statusMessage(deleted)).toBe(200);
      const released = await admin.request(
        "PATCH",
        path,
        { metadata: { finalizers: null } },
        MERGE_PATCH,
      );
      expect(released.status, `${manifest.kind}: ${statusMessage(released)}`).toBe(200);
      await waitFor(
        async () => (await admin.get(path)).status === 404 || `${path} is still there`,
        { deadline: within(30_000) },
      );
    }
  });
});

describe("the workload namespace's quota and container defaults", () => {
  it("give a pod that states no resources the default request and limit", async () => {
    const pod: Manifest = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "defaults", namespace: tenant.workloads },
      spec: { containers: [{ name: "main", image: "registry.k8s.io/pause:3.10" }] },
    };
    const response = await create(
      actingAs(admin, tenant.account),
      `/api/v1/namespaces/${tenant.workloads}/pods`,
      pod,
    );
    expect(response.status, statusMessage(response)).toBe(201);
    const resources = (
      response.body as { spec: { containers: { resources: Record<string, unknown> }[] } }
    ).spec.containers[0]?.resources;
    // The quota on requests.cpu would refuse the pod without the default request.
    expect(resources).toEqual({
      limits: { cpu: "200m", memory: "256Mi" },
      requests: { cpu: "100m", memory: "256Mi" },
    });
  });

  it("refuse what exceeds the quota", async () => {
    const as = actingAs(admin, tenant.account);
    const secret = (name: string): Manifest => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name, namespace: tenant.workloads },
      stringData: { value: "not a secret" },
    });
    const path = `/api/v1/namespaces/${tenant.workloads}/secrets`;
    const first = await create(as, path, secret("first"));
    const second = await create(as, path, secret("second"));
    expectCells([
      requestCell(
        tenant.account,
        "create",
        "secrets (1st of quota 1)",
        tenant.workloads,
        true,
        first,
      ),
      requestCell(
        tenant.account,
        "create",
        "secrets (2nd of quota 1)",
        tenant.workloads,
        false,
        second,
      ),
    ]);
    expect(statusMessage(second)).toMatch(/exceeded quota: k8s-flux-tenant-quota/);
  });

  it("cannot be changed or removed by the tenant, who may only change its own network policies", async () => {
    const own = [tenant.workloads];
    const caps = [
      { group: "", resource: "resourcequotas" },
      { group: "", resource: "limitranges" },
    ];
    expectCells(
      await reviewCells(
        admin,
        tenant.account,
        questions(["update", "patch", "delete"], caps, own),
        false,
      ),
    );
    expectCells(
      await reviewCells(
        admin,
        tenant.account,
        questions(["delete"], [{ group: "networking.k8s.io", resource: "networkpolicies" }], own),
        true,
      ),
    );
  });
});

describe("the workload namespace's Pod Security level (baseline, the default)", () => {
  const IMAGE = "registry.k8s.io/pause:3.10";
  const pod = (name: string, spec: Record<string, unknown>): Manifest => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: tenant.workloads },
    spec: { containers: [{ name: "main", image: IMAGE }], ...spec },
  });
  const podsPath = () => `/api/v1/namespaces/${tenant.workloads}/pods`;

  it("refuses the tenant every pod that could take over its node", async () => {
    const hostile = [
      pod("privileged", {
        containers: [{ name: "main", image: IMAGE, securityContext: { privileged: true } }],
      }),
      pod("host-path", {
        containers: [
          { name: "main", image: IMAGE, volumeMounts: [{ name: "root", mountPath: "/host" }] },
        ],
        volumes: [{ name: "root", hostPath: { path: "/" } }],
      }),
      pod("host-network", { hostNetwork: true }),
      pod("host-pid", { hostPID: true }),
    ];
    for (const manifest of hostile) {
      const response = await create(actingAs(admin, tenant.account), podsPath(), manifest);
      expectCells([
        requestCell(
          tenant.account,
          "create",
          `pods (${manifest.metadata.name})`,
          tenant.workloads,
          false,
          response,
        ),
      ]);
      expect(statusMessage(response)).toMatch(/violates PodSecurity "baseline:latest"/);
    }
  });

  it("admits a plain pod from the tenant", async () => {
    const response = await create(actingAs(admin, tenant.account), podsPath(), pod("plain", {}));
    expect(response.status, statusMessage(response)).toBe(201);
  });

  it("cannot be lowered by the tenant, who may not change any Namespace", async () => {
    expectCells(
      await reviewCells(
        admin,
        tenant.account,
        questions(
          ["update", "patch", "delete"],
          [{ group: "", resource: "namespaces" }],
          [undefined],
        ),
        false,
      ),
    );
  });
});

describe("the tenant's Flux namespace", () => {
  it("is none of the tenant's business: its Flux account may not read or write there", async () => {
    const asked = questions(
      ["get", "list", "create", "update", "delete"],
      [
        { group: "", resource: "secrets" },
        { group: "", resource: "configmaps" },
        { group: "apps", resource: "deployments" },
        { group: "source.toolkit.fluxcd.io", resource: "gitrepositories" },
        { group: "kustomize.toolkit.fluxcd.io", resource: "kustomizations" },
      ],
      [tenant.flux],
    );
    expectCells(await reviewCells(admin, tenant.account, asked, false));
    const read = await actingAs(admin, tenant.account).get(
      `/api/v1/namespaces/${tenant.flux}/secrets/${TENANT}-deploy-key`,
    );
    expectCells([
      requestCell(tenant.account, "get", `secrets ${TENANT}-deploy-key`, tenant.flux, false, read),
    ]);
  });
});
