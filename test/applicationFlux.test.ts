/**
 * ApplicationFlux: a tenant's objects as pure builders, and under mocks how the component wires
 * them. The RBAC boundary is the promise: a tenant's Flux runs as its own ServiceAccount with
 * `admin` in its workload namespace and nothing anywhere else. Also the whole cluster with
 * applications on several GitHub owners and one outside GitHub. The guardrails beside RBAC
 * (admission, quota, container defaults, network policy) are in tenantGuardrails.test.ts.
 */
import type * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type {
  ApplicationFlux as ApplicationFluxClass,
  ApplicationFluxArgs,
} from "../components/applicationFlux";
import {
  tenantAdminBinding,
  tenantGitRepository,
  tenantKustomization,
  tenantNamespace,
  tenantServiceAccount,
} from "../components/applicationFlux/manifests";
import type { PodSecurityLevel } from "../components/applicationFlux/tenancy";
import type { GitRepositoryLocation, GitSource } from "../components/shared/gitSource";
import {
  FAKE,
  type MockRun,
  type Recorded,
  startMockRun,
  TEST_GITHUB_TOKEN,
  TEST_STACK_OWNERSHIP,
  thrownMessage,
  valueOf,
} from "./harness";

const TYPES = {
  component: "k8s-flux:applicationFlux:ApplicationFlux",
  deployKeyComponent: "k8s-flux:deployKey:DeployKey",
  privateKey: "tls:index/privateKey:PrivateKey",
  githubDeployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
  githubProvider: "pulumi:providers:github",
  namespace: "kubernetes:core/v1:Namespace",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  secret: "kubernetes:core/v1:Secret",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  admissionPolicy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
  admissionPolicyBinding:
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
  gitRepository: "kubernetes:source.toolkit.fluxcd.io/v1:GitRepository",
  kustomization: "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
  stub: "test:index:Stub",
} as const;

const KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITESTHOSTKEY";
const OTHER_HOST = "git.example.org";
const OTHER_KNOWN_HOSTS = `${OTHER_HOST} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINsayVl588TW8k3vWtmyq+g0ZWZvetlXp9DLB4yXVSzw`;

function onGitHub(owner: string, name: string): GitRepositoryLocation {
  return {
    original: `git@github.com:${owner}/${name}.git`,
    sshUrl: `ssh://git@github.com/${owner}/${name}.git`,
    host: "github.com",
    github: { owner, name },
  };
}

const STOREFRONT: GitSource = {
  repository: onGitHub("acme", "storefront-flux"),
  branch: "release",
  path: "./deploy/prod",
  interval: "3m",
};
const BILLING: GitSource = {
  repository: {
    original: `ssh://git@${OTHER_HOST}/finance/billing-flux.git`,
    sshUrl: `ssh://git@${OTHER_HOST}/finance/billing-flux.git`,
    host: OTHER_HOST,
  },
  branch: "main",
  path: "./clusters/prod",
  interval: "5m",
};
const REPORTING: GitSource = {
  repository: onGitHub("acme-analytics", "reporting-flux"),
  branch: "main",
  path: "./",
  interval: "90s",
};

/** Stands in for the system FluxInstance; instantiate it only after the mocks are set. */
class FluxInstanceStub extends pulumi.CustomResource {
  constructor(name: string) {
    super(TYPES.stub, name, {});
  }
}

/** The provider reference the engine gets is `<provider urn>::<provider id>`. */
const providerUrn = (reference: string): string => reference.slice(0, reference.lastIndexOf("::"));

/** Every resource whose parent chain leads to `ancestor` (not the ancestor itself). */
function descendantsOf(run: MockRun, ancestor: Recorded): Recorded[] {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  return run.resources.filter((resource) => {
    let parent = resource.parent;
    while (parent !== "") {
      if (parent === ancestor.urn) return true;
      parent = byUrn.get(parent)?.parent ?? "";
    }
    return false;
  });
}

const countByType = (resources: readonly Recorded[]): Record<string, number> =>
  resources.reduce<Record<string, number>>((counts, r) => {
    counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
  }, {});

interface Tenants {
  run: MockRun;
  flux: FluxInstanceStub;
  providers: Record<string, github.Provider>;
  tenants: Record<string, ApplicationFluxClass>;
}

/** Fresh mocks; a stand-in FluxInstance, one provider per owner, and the given tenants. */
async function buildTenants(
  sources: Record<string, GitSource>,
  podSecurity: Record<string, PodSecurityLevel> = {},
): Promise<Tenants> {
  const run = await startMockRun("test");
  const githubSdk = await import("@pulumi/github");
  const { ApplicationFlux } = await import("../components/applicationFlux");
  const flux = new FluxInstanceStub("flux");
  const providers: Record<string, github.Provider> = {};
  const tenants: Record<string, ApplicationFluxClass> = {};
  for (const [name, source] of Object.entries(sources)) {
    const owner = source.repository.github?.owner;
    if (owner !== undefined && providers[owner] === undefined) {
      providers[owner] = new githubSdk.Provider(`github-${owner}`, { owner });
    }
    const provider = owner === undefined ? undefined : providers[owner];
    const level = podSecurity[name];
    tenants[name] = new ApplicationFlux(
      `app-${name}`,
      {
        name,
        source,
        knownHosts: source.repository.github ? KNOWN_HOSTS : OTHER_KNOWN_HOSTS,
        clusterName: "prod-eks",
        fluxInstance: flux,
        ...(level ? { podSecurity: level } : {}),
      },
      provider ? { providers: [provider] } : {},
    );
  }
  await run.settle();
  return { run, flux, providers, tenants };
}

const tenantObjects = (run: MockRun, name: string): Recorded[] =>
  descendantsOf(run, run.one(TYPES.component, `app-${name}`));

const TENANT_LABELS = (tenant: string) => ({
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "application-flux",
  "toolkit.fluxcd.io/tenant": tenant,
});

/** Pod Security Admission labels: `enforce` as configured; audit and warn always restricted. */
const POD_SECURITY_LABELS = (enforce: string) => ({
  "pod-security.kubernetes.io/enforce": enforce,
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "latest",
});

describe("a tenant's manifests", () => {
  it("label both namespaces with the tenant and the Pod Security level they enforce", () => {
    expect(tenantNamespace("storefront", "storefront-flux", "baseline")).toEqual({
      metadata: {
        name: "storefront-flux",
        labels: { ...TENANT_LABELS("storefront"), ...POD_SECURITY_LABELS("baseline") },
        // kube2iam and kiam on the nodes give the tenant's pods no role.
        annotations: {
          "iam.amazonaws.com/allowed-roles": "[]",
          "iam.amazonaws.com/permitted": "^$",
        },
      },
    });
    expect(tenantNamespace("billing", "billing", "restricted").metadata.labels).toEqual({
      ...TENANT_LABELS("billing"),
      ...POD_SECURITY_LABELS("restricted"),
    });
  });

  it("give the tenant one ServiceAccount, flux-reconciler, with no token mounted by choice", () => {
    expect(tenantServiceAccount("storefront", "storefront-flux")).toEqual({
      metadata: {
        name: "flux-reconciler",
        namespace: "storefront-flux",
        labels: TENANT_LABELS("storefront"),
      },
    });
  });

  it("bind ClusterRole admin to that ServiceAccount, one namespace at a time", () => {
    expect(
      tenantAdminBinding({
        tenant: "storefront",
        namespace: "storefront",
        serviceAccount: { name: "flux-reconciler", namespace: "storefront-flux" },
      }),
    ).toEqual({
      metadata: {
        name: "flux-reconciler-admin",
        namespace: "storefront",
        labels: TENANT_LABELS("storefront"),
      },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
      subjects: [{ kind: "ServiceAccount", name: "flux-reconciler", namespace: "storefront-flux" }],
    });
  });

  it("pull the repository over SSH with the tenant's key, waiting for Ready only when asked", () => {
    const repository = (waitForReadiness: boolean) =>
      tenantGitRepository({
        tenant: "storefront",
        namespace: "storefront-flux",
        source: STOREFRONT,
        secretName: "storefront-deploy-key",
        waitForReadiness,
      });
    expect(repository(true)).toEqual({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: {
        name: "storefront",
        namespace: "storefront-flux",
        labels: TENANT_LABELS("storefront"),
        annotations: { "pulumi.com/waitFor": "condition=Ready" },
      },
      spec: {
        url: "ssh://git@github.com/acme/storefront-flux.git",
        ref: { branch: "release" },
        interval: "3m",
        secretRef: { name: "storefront-deploy-key" },
      },
    });
    expect(repository(false).metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
  });

  it("reconcile as flux-reconciler into the workload namespace, from its own GitRepository only", () => {
    const kustomization = tenantKustomization({
      tenant: "storefront",
      namespace: "storefront-flux",
      targetNamespace: "storefront",
      source: STOREFRONT,
    });
    expect(kustomization).toEqual({
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: {
        name: "storefront",
        namespace: "storefront-flux",
        labels: TENANT_LABELS("storefront"),
        annotations: { "pulumi.com/skipAwait": "true" },
      },
      spec: {
        serviceAccountName: "flux-reconciler",
        targetNamespace: "storefront",
        path: "./deploy/prod",
        interval: "3m",
        prune: true,
        sourceRef: { kind: "GitRepository", name: "storefront" },
      },
    });
    // A cross-namespace source reference is forbidden to tenants: the field must be absent.
    expect("namespace" in kustomization.spec.sourceRef).toBe(false);
  });
});

describe("one tenant's namespaces and RBAC", () => {
  it("creates both namespaces, labelled with the tenant and enforcing baseline by default", async () => {
    const { run, tenants } = await buildTenants({ storefront: STOREFRONT });
    for (const name of ["storefront-flux", "storefront"]) {
      const namespace = run.k8s("Namespace", name);
      expect(namespace.inputs["metadata"].namespace).toBeUndefined();
      expect(namespace.inputs["metadata"].labels).toEqual({
        ...TENANT_LABELS("storefront"),
        ...POD_SECURITY_LABELS("baseline"),
        ...TEST_STACK_OWNERSHIP,
      });
    }
    expect(run.ofType(TYPES.namespace)).toHaveLength(2);
    const tenant = tenants["storefront"];
    if (!tenant) throw new Error("the tenant was not built");
    expect(await valueOf(tenant.fluxNamespace)).toBe("storefront-flux");
    expect(await valueOf(tenant.workloadNamespace)).toBe("storefront");
  });

  it("enforces restricted in both namespaces when asked, and only for that tenant", async () => {
    const { run } = await buildTenants(
      { storefront: STOREFRONT, reporting: REPORTING },
      { reporting: "restricted" },
    );
    const labels = Object.fromEntries(
      run
        .ofType(TYPES.namespace)
        .map((r) => [r.inputs["metadata"].name, r.inputs["metadata"].labels]),
    );
    const owned = (tenant: string, level: string) => ({
      ...TENANT_LABELS(tenant),
      ...POD_SECURITY_LABELS(level),
      ...TEST_STACK_OWNERSHIP,
    });
    expect(labels).toEqual({
      "storefront-flux": owned("storefront", "baseline"),
      storefront: owned("storefront", "baseline"),
      "reporting-flux": owned("reporting", "restricted"),
      reporting: owned("reporting", "restricted"),
    });
  });

  it("puts Pod Security labels on the namespaces only", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const labelled = tenantObjects(run, "storefront")
      .filter((r) =>
        Object.keys(r.inputs["metadata"]?.labels ?? {}).some((label) =>
          label.startsWith("pod-security.kubernetes.io/"),
        ),
      )
      .map((r) => r.inputs["kind"]);
    expect(labelled).toEqual(["Namespace", "Namespace"]);
  });

  it("creates exactly one ServiceAccount, flux-reconciler in <name>-flux", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const accounts = run.ofType(TYPES.serviceAccount);
    expect(
      accounts.map((r) => [r.inputs["metadata"].namespace, r.inputs["metadata"].name]),
    ).toEqual([["storefront-flux", "flux-reconciler"]]);
    expect(accounts[0]?.inputs["automountServiceAccountToken"]).toBeUndefined();
  });

  it("binds ClusterRole admin to that ServiceAccount in its workload namespace only", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const bindings = run.ofType(TYPES.roleBinding);
    // Not in storefront-flux: its Kustomization applies everything into storefront, and Flux
    // reads storefront-flux as itself. Nothing of the tenant's may land next to its deploy key.
    expect(bindings.map((r) => r.inputs["metadata"].namespace)).toEqual(["storefront"]);
    const serviceAccount = run.one(TYPES.serviceAccount, "app-storefront-serviceaccount");
    for (const binding of bindings) {
      const { apiVersion, kind, ...args } = binding.inputs;
      expect([apiVersion, kind]).toEqual(["rbac.authorization.k8s.io/v1", "RoleBinding"]);
      expect(args).toEqual(
        tenantAdminBinding({
          tenant: "storefront",
          namespace: binding.inputs["metadata"].namespace,
          serviceAccount: { name: "flux-reconciler", namespace: "storefront-flux" },
        }),
      );
      expect(binding.dependencies).toContain(serviceAccount.urn);
    }
  });

  it("registers no ClusterRole, ClusterRoleBinding or Role at all", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const counts = countByType(tenantObjects(run, "storefront"));
    expect(counts[TYPES.clusterRoleBinding]).toBeUndefined();
    expect(counts[TYPES.clusterRole]).toBeUndefined();
    expect(counts[TYPES.role]).toBeUndefined();
    const rbacKinds = run
      .k8sObjects()
      .map((r) => r.inputs["kind"])
      .filter((kind) => ["ClusterRole", "ClusterRoleBinding", "Role"].includes(kind));
    expect(rbacKinds).toEqual([]);
  });

  it("registers exactly its inventory and nothing else", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    expect(countByType(tenantObjects(run, "storefront"))).toEqual({
      [TYPES.namespace]: 2,
      [TYPES.serviceAccount]: 1,
      [TYPES.roleBinding]: 1,
      // Against externalIPs and against dependencies in other namespaces.
      [TYPES.admissionPolicy]: 2,
      [TYPES.admissionPolicyBinding]: 2,
      [TYPES.deployKeyComponent]: 1,
      [TYPES.privateKey]: 1,
      [TYPES.githubDeployKey]: 1,
      [TYPES.secret]: 1,
      [TYPES.gitRepository]: 1,
      [TYPES.kustomization]: 1,
    });
  });

  it("puts every namespaced object in one of the tenant's own namespaces", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const objects = tenantObjects(run, "storefront").filter(
      (r) => r.custom && r.type.startsWith("kubernetes:"),
    );
    expect(objects).toHaveLength(11);
    const clusterScoped = [
      "Namespace",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ];
    for (const object of objects) {
      const namespace = object.inputs["metadata"].namespace;
      if (clusterScoped.includes(object.inputs["kind"])) {
        expect(namespace).toBeUndefined();
      } else {
        expect(["storefront-flux", "storefront"]).toContain(namespace);
      }
    }
  });
});

describe("one tenant's Flux objects", () => {
  it("pulls the repository over SSH with the tenant's deploy key", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const repository = run.k8s("GitRepository", "storefront", "storefront-flux");
    expect(repository.inputs["apiVersion"]).toBe("source.toolkit.fluxcd.io/v1");
    expect(repository.inputs["spec"]).toEqual({
      url: "ssh://git@github.com/acme/storefront-flux.git",
      ref: { branch: "release" },
      interval: "3m",
      secretRef: { name: "storefront-deploy-key" },
    });
    expect(repository.inputs["metadata"].annotations).toEqual({
      "pulumi.com/waitFor": "condition=Ready",
    });
    const secret = run.k8s("Secret", "storefront-deploy-key", "storefront-flux");
    expect(secret.inputs["stringData"]["known_hosts"]).toBe(KNOWN_HOSTS);
  });

  it("creates the GitRepository after the FluxInstance and the deploy key Secret", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const repository = run.k8s("GitRepository", "storefront", "storefront-flux");
    const stub = run.one(TYPES.stub, "flux");
    const secret = run.k8s("Secret", "storefront-deploy-key", "storefront-flux");
    expect(repository.dependencies).toContain(stub.urn);
    expect(repository.dependencies).toContain(secret.urn);
  });

  it("reconciles the tenant's source into its workload namespace, in its Flux namespace", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const kustomization = run.k8s("Kustomization", "storefront", "storefront-flux");
    expect(kustomization.inputs).toEqual(
      tenantKustomization({
        tenant: "storefront",
        namespace: "storefront-flux",
        targetNamespace: "storefront",
        source: STOREFRONT,
      }),
    );
    expect(kustomization.dependencies).toContain(
      run.one(TYPES.namespace, "app-storefront-flux-namespace").urn,
    );
  });

  it("applies the Kustomization only once its source, its RoleBinding and the admission policy exist", async () => {
    const { run } = await buildTenants({ storefront: STOREFRONT });
    const kustomization = run.k8s("Kustomization", "storefront", "storefront-flux");
    const repository = run.k8s("GitRepository", "storefront", "storefront-flux");
    expect(kustomization.dependencies).toContain(repository.urn);
    for (const guard of [
      ...run.ofType(TYPES.roleBinding),
      ...run.ofType(TYPES.admissionPolicy),
      ...run.ofType(TYPES.admissionPolicyBinding),
    ]) {
      expect(kustomization.dependencies).toContain(guard.urn);
    }
  });

  it("registers its deploy key read-only on the application's repository with the owner's provider", async () => {
    const { run, tenants } = await buildTenants({ storefront: STOREFRONT });
    const registration = run.one(TYPES.githubDeployKey, "app-storefront-deploy-key-github");
    expect(registration.inputs).toEqual({
      repository: "storefront-flux",
      title: "k8s-flux prod-eks storefront",
      key: FAKE.publicKeyOpenssh("app-storefront-deploy-key-key").trim(),
      readOnly: true,
    });
    expect(providerUrn(registration.provider)).toBe(
      run.one(TYPES.githubProvider, "github-acme").urn,
    );
    const tenant = tenants["storefront"];
    expect(tenant?.deployKey.registeredOnGitHub).toBe(true);
    expect(await pulumi.isSecret(tenant?.deployKey.privateKey ?? pulumi.output(""))).toBe(true);
  });

  it("is refused on GitHub without a provider, before creating anything", async () => {
    const run = await startMockRun("test");
    const { ApplicationFlux } = await import("../components/applicationFlux");
    const flux = new FluxInstanceStub("flux");
    expect(
      await thrownMessage(
        () =>
          new ApplicationFlux("app-storefront", {
            name: "storefront",
            source: STOREFRONT,
            knownHosts: KNOWN_HOSTS,
            clusterName: "prod-eks",
            fluxInstance: flux,
          }),
      ),
    ).toBe(
      "ApplicationFlux app-storefront: opts.providers has no GitHub provider; git@github.com:acme/storefront-flux.git is on GitHub, so its deploy key is registered with a provider for acme; expected one in opts.providers, or registerDeployKey set to false",
    );
    // Let the half-built component finish registering before the next test resets the mocks.
    await run.settle();
    expect(run.resources.map((r) => r.type).sort()).toEqual([TYPES.component, TYPES.stub]);
  });
});

describe("a tenant whose repository is outside GitHub", () => {
  it("registers no deploy key on GitHub and pins the host's known_hosts", async () => {
    const { run, tenants } = await buildTenants({ billing: BILLING });
    expect(run.ofType(TYPES.githubDeployKey)).toEqual([]);
    expect(run.ofType(TYPES.githubProvider)).toEqual([]);
    expect(tenants["billing"]?.deployKey.registeredOnGitHub).toBe(false);
    const secret = run.k8s("Secret", "billing-deploy-key", "billing-flux");
    expect(secret.inputs["stringData"]["known_hosts"]).toBe(OTHER_KNOWN_HOSTS);
    expect(run.k8s("GitRepository", "billing", "billing-flux").inputs["spec"]).toEqual({
      url: "ssh://git@git.example.org/finance/billing-flux.git",
      ref: { branch: "main" },
      interval: "5m",
      secretRef: { name: "billing-deploy-key" },
    });
  });

  it("does not wait for the GitRepository, whose key is added by hand after the update", async () => {
    const { run } = await buildTenants({ billing: BILLING });
    const repository = run.k8s("GitRepository", "billing", "billing-flux");
    expect(repository.inputs["metadata"].annotations).toEqual({ "pulumi.com/skipAwait": "true" });
  });

  it("gets the same RBAC boundary as a tenant on GitHub", async () => {
    const { run } = await buildTenants({ billing: BILLING });
    const bindings = run.ofType(TYPES.roleBinding);
    expect(bindings.map((r) => r.inputs["metadata"].namespace)).toEqual(["billing"]);
    for (const binding of bindings) {
      expect(binding.inputs["roleRef"]).toEqual({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "admin",
      });
      expect(binding.inputs["subjects"]).toEqual([
        { kind: "ServiceAccount", name: "flux-reconciler", namespace: "billing-flux" },
      ]);
    }
    expect(
      run
        .k8sObjects()
        .filter((r) => r.inputs["kind"].startsWith("Cluster") || r.inputs["kind"] === "Role"),
    ).toEqual([]);
  });
});

describe("two tenants side by side", () => {
  const both = { storefront: STOREFRONT, reporting: REPORTING };

  it("bind nothing of one tenant in the other's namespaces", async () => {
    const { run } = await buildTenants(both);
    for (const [name, other] of [
      ["storefront", "reporting"],
      ["reporting", "storefront"],
    ] as const) {
      const bindings = tenantObjects(run, name).filter((r) => r.type === TYPES.roleBinding);
      expect(bindings.map((r) => r.inputs["metadata"].namespace)).toEqual([name]);
      for (const binding of bindings) {
        expect(binding.inputs["subjects"]).toEqual([
          { kind: "ServiceAccount", name: "flux-reconciler", namespace: `${name}-flux` },
        ]);
      }
      const inOther = tenantObjects(run, name).filter((r) =>
        [other, `${other}-flux`].includes(r.inputs["metadata"]?.namespace),
      );
      expect(inOther.map((r) => r.name)).toEqual([]);
    }
    expect(run.ofType(TYPES.roleBinding)).toHaveLength(2);
    expect(run.ofType(TYPES.clusterRoleBinding)).toEqual([]);
  });

  it("own disjoint sets of resources", async () => {
    const { run } = await buildTenants(both);
    const storefront = new Set(tenantObjects(run, "storefront").map((r) => r.urn));
    const reporting = tenantObjects(run, "reporting").map((r) => r.urn);
    expect(storefront.size).toBe(reporting.length);
    expect(reporting.filter((urn) => storefront.has(urn))).toEqual([]);
  });

  it("get distinct keys, Secrets and sources, each key registered with its owner's provider", async () => {
    const { run, tenants } = await buildTenants(both);
    const storefront = tenants["storefront"];
    const reporting = tenants["reporting"];
    if (!storefront || !reporting) throw new Error("tenants were not built");
    expect(await valueOf(storefront.deployKey.publicKey)).not.toBe(
      await valueOf(reporting.deployKey.publicKey),
    );
    expect(
      run
        .ofType(TYPES.privateKey)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["app-reporting-deploy-key-key", "app-storefront-deploy-key-key"]);

    const secrets = run.ofType(TYPES.secret).map((r) => r.inputs["metadata"]);
    expect(secrets.map((m) => `${m.namespace}/${m.name}`).sort()).toEqual([
      "reporting-flux/reporting-deploy-key",
      "storefront-flux/storefront-deploy-key",
    ]);
    expect(run.k8s("GitRepository", "reporting", "reporting-flux").inputs["spec"]).toEqual({
      url: "ssh://git@github.com/acme-analytics/reporting-flux.git",
      ref: { branch: "main" },
      interval: "90s",
      secretRef: { name: "reporting-deploy-key" },
    });
    expect(run.k8s("Kustomization", "reporting", "reporting-flux").inputs["spec"]).toMatchObject({
      serviceAccountName: "flux-reconciler",
      targetNamespace: "reporting",
      sourceRef: { kind: "GitRepository", name: "reporting" },
    });

    for (const [tenant, repository, owner] of [
      ["storefront", "storefront-flux", "acme"],
      ["reporting", "reporting-flux", "acme-analytics"],
    ] as const) {
      const registration = run.one(TYPES.githubDeployKey, `app-${tenant}-deploy-key-github`);
      expect(registration.inputs["repository"]).toBe(repository);
      expect(registration.inputs["readOnly"]).toBe(true);
      expect(providerUrn(registration.provider)).toBe(
        run.one(TYPES.githubProvider, `github-${owner}`).urn,
      );
    }
  });
});

describe("a tenant as a library user writes it", () => {
  /** Fresh mocks, then one tenant from `args` with a GitHub provider for acme in opts. */
  async function tenant(name: string, args: ApplicationFluxArgs) {
    const run = await startMockRun("test");
    const githubSdk = await import("@pulumi/github");
    const { ApplicationFlux } = await import("../components/applicationFlux");
    const provider = new githubSdk.Provider("github-acme", { owner: "acme" });
    const built = new ApplicationFlux(name, args, { providers: [provider] });
    await run.settle();
    return { run, tenant: built };
  }

  it("is named after the component, follows main at the root every minute, and pins github.com's keys", async () => {
    const { run, tenant: payments } = await tenant("payments", {
      source: { repository: "git@github.com:acme/payments-flux.git" },
      clusterName: pulumi.output("prod-eks"),
    });
    const { GITHUB_KNOWN_HOSTS } = await import("../components/shared/knownHosts");
    expect(run.k8s("GitRepository", "payments", "payments-flux").inputs["spec"]).toEqual({
      url: "ssh://git@github.com/acme/payments-flux.git",
      ref: { branch: "main" },
      interval: "1m",
      secretRef: { name: "payments-deploy-key" },
    });
    expect(run.k8s("Kustomization", "payments", "payments-flux").inputs["spec"]).toMatchObject({
      path: "./",
      targetNamespace: "payments",
    });
    expect(
      run.k8s("Secret", "payments-deploy-key", "payments-flux").inputs["stringData"]["known_hosts"],
    ).toBe(GITHUB_KNOWN_HOSTS);
    expect(run.one(TYPES.githubDeployKey, "payments-deploy-key-github").inputs["title"]).toBe(
      "k8s-flux prod-eks payments",
    );
    expect(await valueOf(payments.workloadNamespace)).toBe("payments");
  });

  it("without a FluxInstance, waits only for its deploy key Secret", async () => {
    const { run } = await tenant("payments", {
      source: { repository: "git@github.com:acme/payments-flux.git" },
      clusterName: "prod-eks",
    });
    const repository = run.k8s("GitRepository", "payments", "payments-flux");
    expect([...repository.dependencies].sort()).toEqual(
      [
        run.k8s("Secret", "payments-deploy-key", "payments-flux").urn,
        run.one(TYPES.namespace, "payments-flux-namespace").urn,
      ].sort(),
    );
  });

  it("is refused, naming the argument, before anything is created", async () => {
    const refusals: string[] = [];
    for (const args of [
      { source: { repository: "acme/payments-flux" } },
      { source: { repository: "ssh://git@git.example.org/finance/payments-flux.git" } },
      { source: { repository: "git@github.com:acme/payments-flux.git" }, keyGeneration: 1.5 },
      {
        source: { repository: "git@github.com:acme/payments-flux.git" },
        keyGeneration: 2,
        stagedKeyGeneration: 2,
      },
    ]) {
      const run = await startMockRun("test");
      const { ApplicationFlux } = await import("../components/applicationFlux");
      refusals.push(
        await thrownMessage(
          () => new ApplicationFlux("payments", { clusterName: "prod-eks", ...args }),
        ),
      );
      await run.settle();
      expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
    }
    expect(refusals).toEqual([
      'ApplicationFlux payments: source.repository "acme/payments-flux" is not an SSH URL; expected an SSH URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git',
      "ApplicationFlux payments: knownHosts is required for ssh://git@git.example.org/finance/payments-flux.git: no host keys are built in for git.example.org; expected its known_hosts lines, as printed by ssh-keyscan and checked out of band",
      "ApplicationFlux payments: keyGeneration must be a whole number from 1, not 1.5",
      "ApplicationFlux payments: stagedKeyGeneration is 2, the key already in use (keyGeneration); expected another number, or none",
    ]);
  });

  it("needs no provider when its key is not registered, and then does not wait for it", async () => {
    const run = await startMockRun("test");
    const { ApplicationFlux } = await import("../components/applicationFlux");
    const payments = new ApplicationFlux("payments", {
      source: { repository: "git@github.com:acme/payments-flux.git" },
      clusterName: "prod-eks",
      registerDeployKey: false,
    });
    await run.settle();
    expect(run.ofType(TYPES.githubDeployKey)).toEqual([]);
    expect(payments.deployKey.registeredOnGitHub).toBe(false);
    expect(
      run.k8s("GitRepository", "payments", "payments-flux").inputs["metadata"].annotations,
    ).toEqual({ "pulumi.com/skipAwait": "true" });
  });

  it("passes a staged key generation to its deploy key", async () => {
    const run = await startMockRun("test");
    const { ApplicationFlux } = await import("../components/applicationFlux");
    const payments = new ApplicationFlux("payments", {
      source: { repository: "git@github.com:acme/payments-flux.git" },
      clusterName: "prod-eks",
      registerDeployKey: false,
      keyGeneration: 2,
      stagedKeyGeneration: 3,
    });
    await run.settle();
    expect(payments.deployKey.generation).toBe(2);
    expect(payments.deployKey.staged?.generation).toBe(3);
    expect(
      run.k8s("Secret", "payments-deploy-key", "payments-flux").inputs["stringData"][
        "identity.pub"
      ],
    ).toBe(FAKE.publicKeyOpenssh("payments-deploy-key-key-gen2").trim());
  });
});

describe("the whole cluster with applications on two GitHub owners and one other host", () => {
  async function buildWholeCluster() {
    const run = await startMockRun("test");
    const { validateStackConfig } = await import("../stacks/validate");
    const { buildCluster } = await import("../stacks/cluster");
    const { planSealingKeys } = await import("../stacks/sealingKeyPlan");
    const { planDeployKeys } = await import("../stacks/deployKeyPlan");
    const settings = validateStackConfig({
      values: {
        clusterName: "prod-eks",
        externalDns: { enabled: false },
        newrelic: { enabled: false },
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git" },
        applications: [
          { name: "storefront", repository: "git@github.com:acme/storefront-flux.git" },
          { name: "reporting", repository: "git@github.com:acme-analytics/reporting-flux.git" },
          {
            name: "billing",
            repository: "ssh://git@git.example.org/finance/billing-flux.git",
            podSecurity: "restricted",
          },
          { name: "checkout", repository: "git@github.com:Acme/checkout-flux.git" },
        ],
        knownHosts: { [OTHER_HOST]: OTHER_KNOWN_HOSTS },
      },
      licenseKeyIsSet: false,
      githubTokenIsSet: true,
    });
    const outputs = buildCluster(
      { ...settings, githubToken: pulumi.secret(TEST_GITHUB_TOKEN) },
      planSealingKeys(settings.sealedSecrets, {}).requests,
      planDeployKeys(settings, {}),
    );
    await run.settle();
    return { run, outputs };
  }

  it("creates exactly one GitHub provider per owner, owners compared case-insensitively", async () => {
    const { run } = await buildWholeCluster();
    const providers = run.ofType(TYPES.githubProvider);
    expect(providers.map((r) => [r.name, r.inputs["owner"]]).sort()).toEqual([
      ["github-acme", "acme"],
      ["github-acme-analytics", "acme-analytics"],
    ]);
    for (const provider of providers) {
      expect(provider.secretPaths).toContain("token");
    }
  });

  it("registers each GitHub key with its owner's provider, and none for the other host", async () => {
    const { run } = await buildWholeCluster();
    const providerOwner = new Map(
      run.ofType(TYPES.githubProvider).map((r) => [r.urn, r.inputs["owner"]]),
    );
    const registrations = run
      .ofType(TYPES.githubDeployKey)
      .map((r) => [r.name, r.inputs["repository"], providerOwner.get(providerUrn(r.provider))]);
    expect(registrations.sort()).toEqual([
      ["app-checkout-deploy-key-github", "checkout-flux", "acme"],
      ["app-reporting-deploy-key-github", "reporting-flux", "acme-analytics"],
      ["app-storefront-deploy-key-github", "storefront-flux", "acme"],
      ["system-flux-deploy-key-github", "k8s-flux", "acme"],
    ]);
    const billing = run.k8s("Secret", "billing-deploy-key", "billing-flux");
    expect(billing.inputs["stringData"]["known_hosts"]).toBe(OTHER_KNOWN_HOSTS);
    const billingSource = run.k8s("GitRepository", "billing", "billing-flux").inputs;
    expect(billingSource["spec"].url).toBe("ssh://git@git.example.org/finance/billing-flux.git");
    expect(billingSource["metadata"].annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(
      run.k8s("GitRepository", "checkout", "checkout-flux").inputs["metadata"].annotations,
    ).toEqual({ "pulumi.com/waitFor": "condition=Ready" });
  });

  it("passes each application's Pod Security level to both of its namespaces", async () => {
    const { run } = await buildWholeCluster();
    const enforced = run
      .ofType(TYPES.namespace)
      .filter((r) => r.inputs["metadata"].labels?.["toolkit.fluxcd.io/tenant"] !== undefined)
      .map((r) => [
        r.inputs["metadata"].name,
        r.inputs["metadata"].labels["pod-security.kubernetes.io/enforce"],
      ])
      .sort();
    expect(enforced).toEqual([
      ["billing", "restricted"],
      ["billing-flux", "restricted"],
      ["checkout", "baseline"],
      ["checkout-flux", "baseline"],
      ["reporting", "baseline"],
      ["reporting-flux", "baseline"],
      ["storefront", "baseline"],
      ["storefront-flux", "baseline"],
    ]);
  });

  it("lists only the key outside GitHub to be added by hand, with its public key", async () => {
    const { outputs } = await buildWholeCluster();
    const byHand = await valueOf(pulumi.output(outputs.deployKeysToAddByHand));
    expect(byHand).toEqual([
      {
        repository: "ssh://git@git.example.org/finance/billing-flux.git",
        publicKey: FAKE.publicKeyOpenssh("app-billing-deploy-key-key").trim(),
        generation: 1,
        inUse: true,
        writeAccess: false,
      },
    ]);
    expect(Object.keys(outputs.applicationPublicKeys)).toEqual([
      "storefront",
      "reporting",
      "billing",
      "checkout",
    ]);
    expect(await valueOf(outputs.applicationPublicKeys["billing"] ?? pulumi.output(""))).toBe(
      byHand[0]?.publicKey,
    );
  });
});
