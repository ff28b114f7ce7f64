/**
 * SystemFlux: the FluxInstance as a pure builder (the pinned distribution, the controllers, the
 * tenant lockdown and the sync), and under mocks how the component wires the Flux Operator
 * chart, that instance and its deploy key together.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parseRepositoryUrl } from "../components/shared/repositoryUrl";
import type { GitSource, GitSourceArgs } from "../components/shared/gitSource";
import type { SystemFlux as SystemFluxClass, SystemFluxArgs } from "../components/systemFlux";
import { fluxInstance, fluxInstanceSpec } from "../components/systemFlux/fluxInstance";
import {
  operatorChartValues,
  operatorWebUiNetworkPolicy,
  resourceSetDefaultServiceAccount,
} from "../components/systemFlux/operator";
import { versions } from "../components/versions";
import {
  FAKE,
  type MockRun,
  type Recorded,
  startMockRun,
  TEST_STACK_OWNERSHIP,
  thrownMessage,
  valueOf,
} from "./harness";

const TYPES = {
  component: "k8s-flux:systemFlux:SystemFlux",
  deployKeyComponent: "k8s-flux:deployKey:DeployKey",
  namespace: "kubernetes:core/v1:Namespace",
  chart: "kubernetes:helm.sh/v4:Chart",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  fluxInstance: "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
  secret: "kubernetes:core/v1:Secret",
  privateKey: "tls:index/privateKey:PrivateKey",
  githubDeployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
  githubProvider: "pulumi:providers:github",
} as const;

const LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "system-flux",
};

const KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITESTHOSTKEY";
const OTHER_KNOWN_HOSTS =
  "[git.example.org]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOTHERHOSTKEY";

const ON_GITHUB: GitSourceArgs = {
  repository: "git@github.com:acme/k8s-flux.git",
  branch: "master",
  path: "./system",
  interval: "2m",
};
const OUTSIDE_GITHUB: GitSourceArgs = {
  repository: "ssh://git@git.example.org:2222/platform/k8s-flux.git",
  branch: "main",
  path: "./clusters/prod",
  interval: "5m",
};

/** A source as the builders get it: parsed, every setting given. */
function parsed(source: GitSourceArgs): GitSource {
  const location = parseRepositoryUrl(source.repository as string);
  if (!location.ok) throw new Error(location.reason);
  return {
    repository: location.location,
    branch: source.branch ?? "",
    path: source.path ?? "",
    interval: source.interval ?? "",
  };
}

const SPEC_ARGS = {
  source: parsed(ON_GITHUB),
  imageAutomation: false,
  pullSecretName: "flux-system",
  readyMeansSynced: true,
};

describe("the FluxInstance", () => {
  it("installs the pinned distribution's four default controllers", () => {
    const spec = fluxInstanceSpec(SPEC_ARGS);
    expect(spec.distribution).toEqual(versions.fluxDistribution);
    expect(spec.components).toEqual([
      "source-controller",
      "kustomize-controller",
      "helm-controller",
      "notification-controller",
    ]);
  });

  it("adds the image reflector and automation controllers after them for image automation", () => {
    expect(fluxInstanceSpec({ ...SPEC_ARGS, imageAutomation: true }).components).toEqual([
      "source-controller",
      "kustomize-controller",
      "helm-controller",
      "notification-controller",
      "image-reflector-controller",
      "image-automation-controller",
    ]);
  });

  it("locks tenants down: multitenant, their own cloud identity, each namespace's default account", () => {
    // `default` exists in every namespace and is bound to nothing: a tenant's Flux object that
    // names no ServiceAccount may do nothing and calls the cloud as no one, until the tenant
    // itself gives that account rights or a role.
    expect(fluxInstanceSpec(SPEC_ARGS).cluster).toEqual({
      type: "kubernetes",
      multitenant: true,
      objectLevelWorkloadIdentity: true,
      multitenantWorkloadIdentity: true,
      tenantDefaultServiceAccount: "default",
      tenantDefaultDecryptionServiceAccount: "default",
      tenantDefaultKubeConfigServiceAccount: "default",
      networkPolicy: true,
      domain: "cluster.local",
    });
  });

  it("syncs the repository over ssh://, by full branch ref, with the pull Secret", () => {
    expect(fluxInstanceSpec(SPEC_ARGS).sync).toEqual({
      kind: "GitRepository",
      url: "ssh://git@github.com/acme/k8s-flux.git",
      ref: "refs/heads/master",
      path: "./system",
      interval: "2m",
      pullSecret: "flux-system",
    });
    expect(fluxInstanceSpec({ ...SPEC_ARGS, source: parsed(OUTSIDE_GITHUB) }).sync.url).toBe(
      "ssh://git@git.example.org:2222/platform/k8s-flux.git",
    );
  });

  it("is Ready only once synced, unless its key is added by hand after the update", () => {
    expect(fluxInstanceSpec(SPEC_ARGS).wait).toBe(true);
    expect(fluxInstanceSpec({ ...SPEC_ARGS, readyMeansSynced: false }).wait).toBe(false);
  });

  it("is named flux, waited for until Ready, or not waited for at all", () => {
    const spec = fluxInstanceSpec(SPEC_ARGS);
    expect(fluxInstance({ namespace: "flux-system", waitForReadiness: true, spec })).toEqual({
      apiVersion: "fluxcd.controlplane.io/v1",
      kind: "FluxInstance",
      metadata: {
        name: "flux",
        namespace: "flux-system",
        labels: LABELS,
        annotations: { "pulumi.com/waitFor": "condition=Ready" },
      },
      spec,
    });
    expect(
      fluxInstance({ namespace: "flux-system", waitForReadiness: false, spec }).metadata
        .annotations,
    ).toEqual({ "pulumi.com/skipAwait": "true" });
  });
});

describe("the Flux Operator's chart values", () => {
  it("turn multitenancy on, so a ResourceSet naming no account is not applied as cluster-admin", () => {
    const { multitenancy } = operatorChartValues({ webUi: false });
    expect(multitenancy).toEqual({
      enabled: true,
      defaultServiceAccount: "flux-operator-tenant",
      enabledForWorkloadIdentity: true,
      defaultWorkloadIdentityServiceAccount: "flux-operator-tenant",
    });
    // The chart's default account, flux-operator, is the operator's own, bound to cluster-admin
    // in flux-system; the default must never be it.
    expect(multitenancy.defaultServiceAccount).not.toBe("flux-operator");
    expect(multitenancy.defaultWorkloadIdentityServiceAccount).not.toBe("flux-operator");
  });

  it("turn the web UI off unless asked, and never create the chart's all-namespaces policy", () => {
    expect(operatorChartValues({ webUi: false }).web).toEqual({
      enabled: false,
      networkPolicy: { create: false },
    });
    expect(operatorChartValues({ webUi: true }).web).toEqual({
      enabled: true,
      networkPolicy: { create: false },
    });
  });

  it("leave the chart's RBAC at its defaults: the operator's cluster-admin, and the aggregation", () => {
    const values: Record<string, unknown> = operatorChartValues({ webUi: true });
    expect(Object.keys(values).sort()).toEqual(["multitenancy", "web"]);
  });
});

describe("the operator's locked-down defaults in flux-system", () => {
  it("are a ServiceAccount named as the chart value says, with no token mounted", () => {
    expect(resourceSetDefaultServiceAccount("flux-system")).toEqual({
      metadata: { name: "flux-operator-tenant", namespace: "flux-system", labels: LABELS },
      automountServiceAccountToken: false,
    });
  });

  it("admit the web UI's port from pods in flux-system only, nothing from other namespaces", () => {
    expect(operatorWebUiNetworkPolicy("flux-system")).toEqual({
      metadata: { name: "flux-operator-web", namespace: "flux-system", labels: LABELS },
      spec: {
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "flux-operator",
            "app.kubernetes.io/instance": "flux-operator",
          },
        },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 9080 }] }],
      },
    });
  });
});

interface Built {
  run: MockRun;
  systemFlux: SystemFluxClass;
}

/** Fresh mocks, then a SystemFlux; a GitHub provider for acme in opts.providers when asked. */
async function build(overrides: Partial<SystemFluxArgs> = {}, withProvider = true): Promise<Built> {
  const run = await startMockRun("test");
  const githubSdk = await import("@pulumi/github");
  const { SystemFlux } = await import("../components/systemFlux");
  const provider = withProvider
    ? new githubSdk.Provider("github-acme", { owner: "acme" })
    : undefined;
  const systemFlux = new SystemFlux(
    "system-flux",
    { source: ON_GITHUB, knownHosts: KNOWN_HOSTS, clusterName: "prod-eks", ...overrides },
    provider ? { providers: [provider] } : {},
  );
  await run.settle();
  return { run, systemFlux };
}

const outsideGitHub = (): Promise<Built> =>
  build({ source: OUTSIDE_GITHUB, knownHosts: OTHER_KNOWN_HOSTS }, false);

const instanceOf = (run: MockRun): Recorded => run.one(TYPES.fluxInstance, "system-flux-instance");

/** The provider reference the engine gets is `<provider urn>::<provider id>`. */
const providerUrn = (reference: string): string => reference.slice(0, reference.lastIndexOf("::"));

describe("SystemFlux on a GitHub repository", () => {
  it("creates the flux-system namespace, and exposes it once it exists", async () => {
    const { run, systemFlux } = await build();
    expect(run.one(TYPES.namespace, "system-flux-namespace").inputs).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "flux-system", labels: { ...LABELS, ...TEST_STACK_OWNERSHIP } },
    });
    expect(await valueOf(systemFlux.namespace)).toBe("flux-system");
  });

  it("installs the Flux Operator from its pinned chart as release flux-operator in flux-system", async () => {
    const { run } = await build();
    const chart = run.one(TYPES.chart, "system-flux-operator");
    expect(chart.inputs["chart"]).toBe(versions.fluxOperatorChart.chart);
    expect(chart.inputs["version"]).toBe(versions.fluxOperatorChart.version);
    expect(chart.inputs["name"]).toBe("flux-operator");
    expect(chart.inputs["namespace"]).toBe("flux-system");
    expect(chart.dependencies).toContain(run.one(TYPES.namespace, "system-flux-namespace").urn);
  });

  it("installs it multi-tenant with the web UI off, after the ResourceSets' default account", async () => {
    const { run } = await build();
    const chart = run.one(TYPES.chart, "system-flux-operator");
    expect(chart.inputs["values"]).toEqual(operatorChartValues({ webUi: false }));
    expect(chart.inputs["values"].multitenancy.enabled).toBe(true);
    expect(chart.inputs["values"].web.enabled).toBe(false);
    const account = run.k8s("ServiceAccount", "flux-operator-tenant", "flux-system");
    expect(account.name).toBe("system-flux-resourceset-default-account");
    const { apiVersion, kind, ...args } = account.inputs;
    expect([apiVersion, kind]).toEqual(["v1", "ServiceAccount"]);
    expect(args).toEqual(resourceSetDefaultServiceAccount("flux-system"));
    expect(chart.dependencies).toContain(account.urn);
    expect(instanceOf(run).dependencies).toContain(account.urn);
    // The account gets no rights from the component: it binds no role to anyone.
    expect(run.k8sObjects().filter((r) => r.inputs["kind"]?.endsWith("Binding"))).toEqual([]);
    expect(run.ofType(TYPES.networkPolicy)).toEqual([]);
  });

  it("creates one FluxInstance from the builder, in the namespace it created", async () => {
    const { run, systemFlux } = await build();
    expect(run.ofType(TYPES.fluxInstance)).toHaveLength(1);
    const instance = instanceOf(run);
    expect(instance.inputs["metadata"]).toEqual({
      name: "flux",
      namespace: "flux-system",
      labels: LABELS,
      annotations: { "pulumi.com/waitFor": "condition=Ready" },
    });
    expect(instance.inputs["spec"]).toEqual(fluxInstanceSpec(SPEC_ARGS));
    expect(instance.dependencies).toContain(run.one(TYPES.namespace, "system-flux-namespace").urn);
    expect(await valueOf(systemFlux.fluxInstance.urn)).toBe(instance.urn);
  });

  it("creates the FluxInstance after the operator chart and the key Secret", async () => {
    const { run } = await build();
    const dependencies = instanceOf(run).dependencies;
    expect(dependencies).toContain(run.one(TYPES.chart, "system-flux-operator").urn);
    expect(dependencies).toContain(run.one(TYPES.secret, "system-flux-deploy-key-secret").urn);
  });

  it("registers the deploy key read-only on acme/k8s-flux with the provider in opts.providers", async () => {
    const { run, systemFlux } = await build();
    const registration = run.one(TYPES.githubDeployKey, "system-flux-deploy-key-github");
    expect(registration.inputs).toEqual({
      repository: "k8s-flux",
      title: "k8s-flux prod-eks system",
      key: FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim(),
      readOnly: true,
    });
    const provider = run.one(TYPES.githubProvider, "github-acme");
    expect(providerUrn(registration.provider)).toBe(provider.urn);
    expect(systemFlux.deployKey.registeredOnGitHub).toBe(true);
  });

  it("stores the key in flux-system/flux-system, the Secret the sync names", async () => {
    const { run } = await build();
    const secret = run.k8s("Secret", "flux-system", "flux-system");
    expect(secret.name).toBe("system-flux-deploy-key-secret");
    expect(Object.keys(secret.inputs["stringData"]).sort()).toEqual([
      "identity",
      "identity.pub",
      "known_hosts",
    ]);
    expect(secret.inputs["stringData"]["known_hosts"]).toBe(KNOWN_HOSTS);
    expect(secret.secretPaths).toEqual(["stringData"]);
    expect(instanceOf(run).inputs["spec"].sync.pullSecret).toBe(secret.inputs["metadata"].name);
    expect(secret.dependencies).toContain(run.one(TYPES.namespace, "system-flux-namespace").urn);
  });

  it("exposes the public key in the clear and keeps the private key secret", async () => {
    const { systemFlux } = await build();
    expect(await valueOf(systemFlux.deployKey.publicKey)).toBe(
      FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim(),
    );
    expect(await pulumi.isSecret(systemFlux.deployKey.publicKey)).toBe(false);
    expect(await pulumi.isSecret(systemFlux.deployKey.privateKey)).toBe(true);
  });

  it("parents every child to the component, whose type token is k8s-flux:systemFlux:SystemFlux", async () => {
    const { run } = await build();
    const component = run.one(TYPES.component, "system-flux");
    expect(component.custom).toBe(false);
    const children = run.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `${TYPES.deployKeyComponent} system-flux-deploy-key`,
      `${TYPES.namespace} system-flux-namespace`,
      `${TYPES.serviceAccount} system-flux-resourceset-default-account`,
      `${TYPES.fluxInstance} system-flux-instance`,
      `${TYPES.chart} system-flux-operator`,
    ]);
    const deployKey = run.one(TYPES.deployKeyComponent, "system-flux-deploy-key");
    expect(
      run.resources
        .filter((r) => r.parent === deployKey.urn)
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "system-flux-deploy-key-github",
      "system-flux-deploy-key-key",
      "system-flux-deploy-key-secret",
    ]);
  });

  it("follows main at the repository root every minute, with github.com's host keys, by default", async () => {
    const { run } = await build({
      source: { repository: "git@github.com:acme/k8s-flux.git" },
      knownHosts: undefined,
    });
    expect(instanceOf(run).inputs["spec"].sync).toMatchObject({
      ref: "refs/heads/main",
      path: "./",
      interval: "1m",
    });
    const { GITHUB_KNOWN_HOSTS } = await import("../components/shared/knownHosts");
    expect(run.k8s("Secret", "flux-system", "flux-system").inputs["stringData"]).toMatchObject({
      known_hosts: GITHUB_KNOWN_HOSTS,
    });
  });
});

describe("SystemFlux with image automation", () => {
  it("installs the image controllers and registers the key with write access", async () => {
    const { run } = await build({ imageAutomation: true });
    expect(instanceOf(run).inputs["spec"].components).toEqual(
      fluxInstanceSpec({ ...SPEC_ARGS, imageAutomation: true }).components,
    );
    expect(run.one(TYPES.githubDeployKey, "system-flux-deploy-key-github").inputs["readOnly"]).toBe(
      false,
    );
  });
});

describe("SystemFlux with the operator's web UI", () => {
  it("turns it on in the chart, after a policy that admits flux-system only", async () => {
    const { run } = await build({ operatorWebUi: true });
    const chart = run.one(TYPES.chart, "system-flux-operator");
    expect(chart.inputs["values"]).toEqual(operatorChartValues({ webUi: true }));
    const policy = run.one(TYPES.networkPolicy, "system-flux-operator-web-policy");
    const { apiVersion, kind, ...args } = policy.inputs;
    expect([apiVersion, kind]).toEqual(["networking.k8s.io/v1", "NetworkPolicy"]);
    expect(args).toEqual(operatorWebUiNetworkPolicy("flux-system"));
    expect(chart.dependencies).toContain(policy.urn);
  });
});

describe("SystemFlux with the operator installed elsewhere", () => {
  it("creates no namespace or chart, and puts the key and instance in flux-system", async () => {
    const { run, systemFlux } = await build({ installOperator: false });
    expect(run.ofType(TYPES.namespace)).toEqual([]);
    expect(run.ofType(TYPES.chart)).toEqual([]);
    // The operator's lockdown is then its installer's: no account or policy is made for it.
    expect(run.ofType(TYPES.serviceAccount)).toEqual([]);
    expect(run.ofType(TYPES.networkPolicy)).toEqual([]);
    expect(run.k8s("Secret", "flux-system", "flux-system").name).toBe(
      "system-flux-deploy-key-secret",
    );
    expect(instanceOf(run).inputs["metadata"].namespace).toBe("flux-system");
    expect(await valueOf(systemFlux.namespace)).toBe("flux-system");
  });
});

describe("SystemFlux on a repository outside GitHub", () => {
  it("registers nothing on GitHub and exposes the public key to add by hand", async () => {
    const { run, systemFlux } = await outsideGitHub();
    expect(run.ofType(TYPES.githubDeployKey)).toEqual([]);
    expect(systemFlux.deployKey.registeredOnGitHub).toBe(false);
    expect(await valueOf(systemFlux.deployKey.publicKey)).toBe(
      FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim(),
    );
    expect(await pulumi.isSecret(systemFlux.deployKey.publicKey)).toBe(false);
  });

  it("waits only for Flux to be installed, since the sync cannot work before the key is added by hand", async () => {
    const { run } = await outsideGitHub();
    const instance = instanceOf(run);
    expect(instance.inputs["metadata"].annotations).toEqual({
      "pulumi.com/waitFor": "condition=Ready",
    });
    expect(instance.inputs["spec"].wait).toBe(false);
  });

  it("syncs the ssh:// URL with its port, and writes the host's known_hosts", async () => {
    const { run } = await outsideGitHub();
    expect(instanceOf(run).inputs["spec"].sync).toEqual({
      kind: "GitRepository",
      url: "ssh://git@git.example.org:2222/platform/k8s-flux.git",
      ref: "refs/heads/main",
      path: "./clusters/prod",
      interval: "5m",
      pullSecret: "flux-system",
    });
    const secret = run.k8s("Secret", "flux-system", "flux-system");
    expect(secret.inputs["stringData"]["known_hosts"]).toBe(OTHER_KNOWN_HOSTS);
  });
});

describe("SystemFlux refuses, before creating anything,", () => {
  async function refusal(overrides: Partial<SystemFluxArgs>, withProvider = true) {
    const run = await startMockRun("test");
    const githubSdk = await import("@pulumi/github");
    const { SystemFlux } = await import("../components/systemFlux");
    const provider = new githubSdk.Provider("github-acme", { owner: "acme" });
    const message = await thrownMessage(
      () =>
        new SystemFlux(
          "system-flux",
          { source: ON_GITHUB, clusterName: "prod-eks", ...overrides },
          withProvider ? { providers: [provider] } : {},
        ),
    );
    await run.settle();
    expect(run.resources.map((r) => r.type).sort()).toEqual(
      [TYPES.component, TYPES.githubProvider].sort(),
    );
    return message;
  }

  it("a repository URL it cannot read, naming source.repository", async () => {
    expect(await refusal({ source: { repository: "github.com/acme/k8s-flux" } })).toBe(
      'SystemFlux system-flux: source.repository "github.com/acme/k8s-flux" is not an SSH URL; expected an SSH URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git',
    );
  });

  it("a repository on GitHub without a GitHub provider, naming opts.providers", async () => {
    expect(await refusal({}, false)).toBe(
      "SystemFlux system-flux: opts.providers has no GitHub provider; git@github.com:acme/k8s-flux.git is on GitHub, so its deploy key is registered with a provider for acme; expected one in opts.providers, or registerDeployKey set to false",
    );
  });

  it("a host with no host keys, and a key generation below 1", async () => {
    expect(await refusal({ source: OUTSIDE_GITHUB })).toBe(
      "SystemFlux system-flux: knownHosts is required for ssh://git@git.example.org:2222/platform/k8s-flux.git: no host keys are built in for git.example.org port 2222; expected its known_hosts lines, as printed by ssh-keyscan and checked out of band",
    );
    expect(await refusal({ keyGeneration: 0 })).toBe(
      "SystemFlux system-flux: keyGeneration must be a whole number from 1, not 0",
    );
    expect(await refusal({ stagedKeyGeneration: 1 })).toBe(
      "SystemFlux system-flux: stagedKeyGeneration is 1, the key already in use (keyGeneration); expected another number, or none",
    );
  });

  it("a web UI for an operator it does not install", async () => {
    expect(await refusal({ installOperator: false, operatorWebUi: true })).toBe(
      "SystemFlux system-flux: operatorWebUi is only used when this component installs the operator, but installOperator is false; expected it left out, or installOperator true",
    );
  });
});
