/**
 * The whole program, fed by the committed stack files: what each stack creates, what it
 * exports, and that no secret leaks into plain state or outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  FAKE,
  FAKE_SECRETS,
  type MockRun,
  plainInputs,
  runStack,
  stackFileConfig,
  TEST_GITHUB_TOKEN,
  TEST_GITHUB_TOKEN_FROM_ENV,
  TEST_LICENSE_KEY,
  valueOf,
} from "./harness";

const componentTypes = (run: MockRun) =>
  run.resources
    .filter((r) => r.type.startsWith("k8s-flux:"))
    .map((r) => `${r.type} ${r.name}`)
    .sort();

describe("the dev stack (Pulumi.dev.yaml)", () => {
  it("creates every enabled component and one tenant, without New Relic", async () => {
    const { run } = await runStack("dev");
    expect(componentTypes(run)).toEqual([
      "k8s-flux:applicationFlux:ApplicationFlux app-sample-dev",
      "k8s-flux:deployKey:DeployKey app-sample-dev-deploy-key",
      "k8s-flux:deployKey:DeployKey system-flux-deploy-key",
      "k8s-flux:externalDns:ExternalDns external-dns",
      "k8s-flux:metricsServer:MetricsServer metrics-server",
      "k8s-flux:sealedSecrets:SealedSecrets sealed-secrets",
      "k8s-flux:systemFlux:SystemFlux system-flux",
    ]);
    expect(run.k8sObjects().filter((r) => r.inputs["metadata"]?.namespace === "newrelic")).toEqual(
      [],
    );
    expect(run.ofType("kubernetes:helm.sh/v4:Chart").map((r) => r.name)).toEqual([
      "system-flux-operator",
    ]);
  });

  it("syncs the system repository the old setup used: master, path system, every 2m", async () => {
    const { run } = await runStack("dev");
    const instance = run.k8s("FluxInstance", "flux", "flux-system");
    expect(instance.inputs["spec"].sync).toEqual({
      kind: "GitRepository",
      url: "ssh://git@github.com/acme/k8s-flux.git",
      ref: "refs/heads/master",
      path: "./system",
      interval: "2m",
      pullSecret: "flux-system",
    });
    expect(instance.inputs["spec"].cluster.multitenant).toBe(true);
  });

  it("gives sample-dev its own locked-down tenant syncing dev-app every 1m", async () => {
    const { run } = await runStack("dev");
    const kustomization = run.k8s("Kustomization", "sample-dev", "sample-dev-flux");
    expect(kustomization.inputs["spec"]).toMatchObject({
      path: "./dev-app",
      interval: "1m",
      serviceAccountName: "flux-reconciler",
      targetNamespace: "sample-dev",
    });
    const repository = run.k8s("GitRepository", "sample-dev", "sample-dev-flux");
    expect(repository.inputs["spec"].url).toBe("ssh://git@github.com/acme/test-app-flux-repo.git");
    expect(repository.inputs["spec"].ref).toEqual({ branch: "master" });
  });

  it("scopes External DNS to the dev zone and domain, owned by the cluster's name", async () => {
    const { run } = await runStack("dev");
    const args: string[] = run.k8s("Deployment", "external-dns", "external-dns").inputs["spec"]
      .template.spec.containers[0].args;
    expect(args).toContain("--txt-owner-id=dev-eks");
    expect(args).toContain("--domain-filter=dev.example.com");
    expect(args).toContain("--zone-id-filter=Z0123456789ABCDEFGHIJ");
    expect(args).toContain("--policy=upsert-only");
    const policy = JSON.parse(
      run.one("aws:iam/rolePolicy:RolePolicy", "external-dns-route53").inputs["policy"],
    );
    expect(policy.Statement[0].Resource).toEqual([
      "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
    ]);
    // No ARN in the dev stack: the OIDC provider is looked up from the EKS cluster name.
    expect(
      run.invocations
        .filter((i) => i.token === "aws:eks/getCluster:getCluster")
        .map((i) => i.inputs["name"]),
    ).toEqual(["dev-eks"]);
  });

  it("exports the public certificate and public keys, and nothing private", async () => {
    const { outputs } = await runStack("dev");
    expect(await valueOf(outputs["sealedSecretsCert"] as pulumi.Output<string>)).toBe(FAKE.certPem);
    expect(await pulumi.isSecret(outputs["sealedSecretsCert"] as pulumi.Output<string>)).toBe(
      false,
    );
    expect(await valueOf(outputs["systemFluxPublicKey"] as pulumi.Output<string>)).toBe(
      FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim(),
    );
    const appKeys = outputs["applicationPublicKeys"] as Record<string, pulumi.Output<string>>;
    expect(Object.keys(appKeys)).toEqual(["sample-dev"]);
    expect(await valueOf(outputs["deployKeysToAddByHand"] as pulumi.Output<unknown[]>)).toEqual([]);
    for (const [name, output] of Object.entries(outputs)) {
      if (name === "default" || output === undefined) continue;
      const text = JSON.stringify(await valueOf(output as pulumi.Output<unknown>));
      expect(text.includes("PRIVATE KEY"), `output ${name} carries a private key`).toBe(false);
    }
  });
});

describe("the prod stack (Pulumi.prod.yaml)", () => {
  it("creates one tenant per application, each with its own key on its own repository", async () => {
    const { run } = await runStack("prod");
    const tenants = run.ofType("k8s-flux:applicationFlux:ApplicationFlux").map((r) => r.name);
    expect(tenants).toEqual(["app-storefront", "app-payments", "app-reporting"]);
    const registrations = run
      .ofType("github:index/repositoryDeployKey:RepositoryDeployKey")
      .map((r) => [r.name, r.inputs["repository"], r.inputs["readOnly"]]);
    expect(registrations.sort()).toEqual([
      ["app-payments-deploy-key-github", "payments-flux", true],
      ["app-reporting-deploy-key-github", "reporting-flux", true],
      ["app-storefront-deploy-key-github", "storefront-flux", true],
      ["system-flux-deploy-key-github", "k8s-flux", true],
    ]);
    const owners = run.ofType("pulumi:providers:github").map((r) => r.inputs["owner"]);
    expect(owners.sort()).toEqual(["acme", "acme-analytics"]);
    const keys = run.ofType("tls:index/privateKey:PrivateKey").map((r) => r.name);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("holds payments to the restricted Pod Security Standard and the others to baseline", async () => {
    const { run } = await runStack("prod");
    const enforced = Object.fromEntries(
      run
        .ofType("kubernetes:core/v1:Namespace")
        .filter((r) => r.inputs["metadata"].labels?.["toolkit.fluxcd.io/tenant"] !== undefined)
        .map((r) => [
          r.inputs["metadata"].name,
          r.inputs["metadata"].labels["pod-security.kubernetes.io/enforce"],
        ]),
    );
    expect(enforced).toEqual({
      storefront: "baseline",
      "storefront-flux": "baseline",
      payments: "restricted",
      "payments-flux": "restricted",
      reporting: "baseline",
      "reporting-flux": "baseline",
    });
    for (const name of ["payments", "payments-flux"]) {
      expect(run.k8s("Namespace", name).inputs["metadata"].labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      });
    }
  });

  it("installs New Relic with the cluster name and the license only in a secret", async () => {
    const { run } = await runStack("prod");
    const chart = run.one("kubernetes:helm.sh/v4:Chart", "newrelic-bundle");
    expect(chart.inputs["values"].global.cluster).toBe("prod-eks");
    const license = run.k8s("Secret", "newrelic-license", "newrelic");
    expect(license.secretPaths).toEqual(["stringData"]);
    const leaks = run.resources.filter((r) => plainInputs(r).includes(TEST_LICENSE_KEY));
    expect(leaks.map((r) => r.name)).toEqual([]);
  });

  it("sends every private key to the engine as a secret, so state holds it encrypted", async () => {
    const { run } = await runStack("prod");
    const leaks = run.resources.filter((r) => plainInputs(r).includes(FAKE.privateKeyMark));
    expect(leaks.map((r) => r.name)).toEqual([]);
    const fluxSecrets = run
      .k8sObjects()
      .filter(
        (r) => r.inputs["kind"] === "Secret" && r.inputs["stringData"]?.identity !== undefined,
      );
    expect(fluxSecrets).toHaveLength(4);
    for (const secret of fluxSecrets) {
      expect(secret.secretPaths).toEqual(["stringData"]);
    }
    expect(run.k8s("Secret", "sealed-secrets-key", "kube-system").secretPaths).toEqual([
      "stringData",
    ]);
  });

  it("uses the given OIDC provider ARN instead of looking one up", async () => {
    const { run } = await runStack("prod");
    expect(run.invocations.map((i) => i.token)).not.toContain("aws:eks/getCluster:getCluster");
    const trust = JSON.parse(
      run.one("aws:iam/role:Role", "external-dns-role").inputs["assumeRolePolicy"],
    );
    expect(trust.Statement[0].Principal).toEqual({
      Federated:
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    });
  });

  it("protects the sealing key and certificate, and keeps the key Secret on delete", async () => {
    const { run } = await runStack("prod");
    const protectedNames = run.resources
      .filter((r) => r.protect)
      .map((r) => r.name)
      .sort();
    expect(protectedNames).toEqual(["sealed-secrets-certificate", "sealed-secrets-key"]);
    expect(run.k8s("Secret", "sealed-secrets-key", "kube-system").retainOnDelete).toBe(true);
  });
});

describe("switching parts off", () => {
  it("creates nothing of a disabled part, and exports nothing for it", async () => {
    const off = { enabled: false };
    const { run, outputs } = await runStack("prod", {
      settings: { externalDns: off, sealedSecrets: off, metricsServer: off, newrelic: off },
    });
    expect(componentTypes(run).filter((entry) => !entry.includes(":deployKey:"))).toEqual([
      "k8s-flux:applicationFlux:ApplicationFlux app-payments",
      "k8s-flux:applicationFlux:ApplicationFlux app-reporting",
      "k8s-flux:applicationFlux:ApplicationFlux app-storefront",
      "k8s-flux:systemFlux:SystemFlux system-flux",
    ]);
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
    expect(run.invocations).toEqual([]);
    expect(
      run.k8sObjects().filter((r) => r.inputs["metadata"]?.namespace === "kube-system"),
    ).toEqual([]);
    expect(outputs["externalDnsRoleArn"]).toBeUndefined();
    expect(outputs["sealedSecretsCert"]).toBeUndefined();
  });
});

describe("applications' dnsDomains", () => {
  const POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
  const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";
  const prodSetting = (key: string): unknown => {
    const text = stackFileConfig("prod")[`k8s-flux:${key}`];
    if (text === undefined) throw new Error(`Pulumi.prod.yaml sets no k8s-flux:${key}`);
    return JSON.parse(text);
  };
  /** The prod stack's applications, with `dnsDomains` added to those named. */
  const prodApplications = (dnsDomains: Record<string, string[]>) =>
    (prodSetting("applications") as Record<string, unknown>[]).map((entry) => {
      const domains = dnsDomains[entry["name"] as string];
      return domains === undefined ? entry : { ...entry, dnsDomains: domains };
    });
  const dnsNamesObjects = (run: MockRun, type: string) =>
    run
      .ofType(type)
      .map((r) => r.inputs["metadata"].name as string)
      .filter((name) => name.endsWith("-dns-names"));
  const hostnameKeys = (prefixes: string[]) =>
    `[${prefixes.flatMap((prefix) => [`'${prefix}hostname'`, `'${prefix}internal-hostname'`]).join(", ")}]`;

  it("give the application that sets them its policy and binding, with the stack's prefix", async () => {
    const { run } = await runStack("prod", {
      settings: {
        externalDns: {
          ...(prodSetting("externalDns") as object),
          annotationPrefix: "dns.acme.io/",
        },
        applications: prodApplications({ storefront: ["Shop.Example.com", "shop.example.net."] }),
      },
    });
    expect(dnsNamesObjects(run, POLICY)).toEqual(["k8s-flux-storefront-dns-names"]);
    expect(dnsNamesObjects(run, BINDING)).toEqual(["k8s-flux-storefront-dns-names"]);
    const policy = run.one(POLICY, "app-storefront-dns-names");
    expect(policy.inputs["spec"].variables).toEqual([
      { name: "domains", expression: "['shop.example.com', 'shop.example.net']" },
      {
        name: "hostnameKeys",
        expression: hostnameKeys([
          "external-dns.kubernetes.io/",
          "external-dns.alpha.kubernetes.io/",
          "dns.acme.io/",
        ]),
      },
    ]);
    expect(policy.inputs["spec"].validations[0].message).toContain(
      "tenant storefront may name only the tenant's own DNS domains, in External DNS's hostname annotations and in Ingress hosts: expected shop.example.com, shop.example.net or a subdomain of one",
    );
    const binding = run.one(BINDING, "app-storefront-dns-names-binding");
    expect(binding.inputs["spec"]).toEqual({
      policyName: "k8s-flux-storefront-dns-names",
      validationActions: ["Deny"],
      matchResources: {
        namespaceSelector: { matchLabels: { "toolkit.fluxcd.io/tenant": "storefront" } },
      },
    });
    expect(binding.dependencies).toContain(policy.urn);
  });

  it("make a policy with External DNS off too, on the prefix of one run elsewhere as well", async () => {
    const { run } = await runStack("prod", {
      settings: {
        externalDns: { enabled: false, annotationPrefix: "dns.acme.io/" },
        applications: prodApplications({ payments: ["pay.example.com"], reporting: [] }),
      },
    });
    expect(run.ofType("k8s-flux:externalDns:ExternalDns")).toEqual([]);
    expect(dnsNamesObjects(run, POLICY)).toEqual([
      "k8s-flux-payments-dns-names",
      "k8s-flux-reporting-dns-names",
    ]);
    for (const [tenant, domains] of [
      ["payments", "['pay.example.com']"],
      ["reporting", "[]"],
    ] as const) {
      expect(run.one(POLICY, `app-${tenant}-dns-names`).inputs["spec"].variables).toEqual([
        { name: "domains", expression: domains },
        {
          name: "hostnameKeys",
          expression: hostnameKeys([
            "external-dns.kubernetes.io/",
            "external-dns.alpha.kubernetes.io/",
            "dns.acme.io/",
          ]),
        },
      ]);
    }
    expect(
      run.one(POLICY, "app-reporting-dns-names").inputs["spec"].validations[0].message,
    ).toMatch(/: it may name none$/);
  });

  it("add only those two objects; without them a stack registers what it did before", async () => {
    const before = (await runStack("prod")).run;
    const after = (
      await runStack("prod", {
        settings: { applications: prodApplications({ storefront: ["shop.example.com"] }) },
      })
    ).run;
    expect(before.resources.filter((r) => /-dns-names(-binding)?$/.test(r.name))).toEqual([]);
    const urnsBefore = new Set(before.resources.map((r) => r.urn));
    const added = after.resources.filter((r) => !urnsBefore.has(r.urn));
    expect(added.map((r) => `${r.type} ${r.name}`)).toEqual([
      `${POLICY} app-storefront-dns-names`,
      `${BINDING} app-storefront-dns-names-binding`,
    ]);
    // The tenant's Kustomization waits for its guardrails, the new policy among them.
    const waitsForGuardrails = after.one(
      "kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization",
      "app-storefront-kustomization",
    ).urn;
    const afterByUrn = new Map(after.resources.map((r) => [r.urn, r]));
    const sorted = (urns: readonly string[] | undefined) => [...(urns ?? [])].sort();
    for (const resource of before.resources) {
      const same = afterByUrn.get(resource.urn);
      expect(same, resource.urn).toBeDefined();
      expect(
        { inputs: same?.inputs, dependencies: sorted(same?.dependencies) },
        resource.urn,
      ).toEqual({
        inputs: resource.inputs,
        dependencies: sorted(
          resource.urn === waitsForGuardrails
            ? [...resource.dependencies, ...added.map((r) => r.urn)]
            : resource.dependencies,
        ),
      });
    }
  });
});

describe("the GitHub token", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ["github:token", FAKE_SECRETS, undefined],
    [
      "GITHUB_TOKEN",
      { "k8s-flux:newrelicLicenseKey": TEST_LICENSE_KEY },
      TEST_GITHUB_TOKEN_FROM_ENV,
    ],
  ])("from %s reaches every GitHub provider only as a secret", async (_, secrets, fromEnv) => {
    vi.stubEnv("GITHUB_TOKEN", fromEnv ?? "");
    const token = fromEnv ?? TEST_GITHUB_TOKEN;
    const { run } = await runStack("prod", { secrets });
    const providers = run.ofType("pulumi:providers:github");
    expect(providers.map((p) => [p.inputs["owner"], p.inputs["token"]]).sort()).toEqual([
      ["acme", token],
      ["acme-analytics", token],
    ]);
    for (const provider of providers) {
      expect(provider.secretPaths).toContain("token");
    }
    const leaks = run.resources.filter((r) => plainInputs(r).includes(token));
    expect(leaks.map((r) => r.name)).toEqual([]);
  });
});
