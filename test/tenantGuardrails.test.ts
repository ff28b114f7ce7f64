/**
 * What holds a tenant in besides RBAC: the admission policies against Service externalIPs and
 * dependencies in other namespaces on its namespaces, and the optional policy on its DNS names,
 * quota, container defaults and network policy of its workload namespace. The builders, the amounts as the API server reads them, the component's wiring, and
 * the stack settings that turn them on. The API server's own verdict on these objects is in
 * test/cluster/tenantGuardrails.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { ApplicationFluxArgs } from "../components/applicationFlux";
import {
  externalIpsRefusal,
  tenantExternalIpsPolicy,
  tenantExternalIpsPolicyBinding,
  tenantPolicyBinding,
} from "../components/applicationFlux/admission";
import {
  dnsNamesRefusal,
  ingressCatchAllRefusal,
  tenantDnsNamesPolicy,
} from "../components/applicationFlux/dnsNames";
import {
  foreignDependenciesRefusal,
  tenantForeignDependenciesPolicy,
} from "../components/applicationFlux/foreignDependencies";
import { tenantNetworkPolicy } from "../components/applicationFlux/networkIsolation";
import {
  compareQuantities,
  containerDefaultsProblems,
  parseQuantity,
  type Quantity,
  resourceQuotaProblems,
} from "../components/applicationFlux/quantities";
import {
  tenantLimitRange,
  tenantResourceQuota,
} from "../components/applicationFlux/resourceLimits";
import { app, MINIMAL, problemsOf, validate } from "./configFixtures";
import { startMockRun, thrownMessage } from "./harness";

const LABELS = (tenant: string) => ({
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "application-flux",
  "toolkit.fluxcd.io/tenant": tenant,
});

const TYPES = {
  admissionPolicy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
  admissionPolicyBinding:
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
  resourceQuota: "kubernetes:core/v1:ResourceQuota",
  limitRange: "kubernetes:core/v1:LimitRange",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;

/** A quantity as a fraction in lowest terms, for comparing with what is expected. */
function fraction(text: string): string | undefined {
  const quantity = parseQuantity(text);
  if (quantity === undefined) return undefined;
  const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
  const divisor = gcd(quantity.numerator, quantity.denominator) || 1n;
  return `${quantity.numerator / divisor}/${quantity.denominator / divisor}`;
}

describe("amounts, read as the API server reads them", () => {
  it.each([
    ["2", "2/1"],
    ["500m", "1/2"],
    ["0.5", "1/2"],
    [".5", "1/2"],
    ["1k", "1000/1"],
    ["1Ki", "1024/1"],
    ["1.5Gi", "1610612736/1"],
    ["1e3", "1000/1"],
    ["1E-3", "1/1000"],
    ["0.1k", "100/1"],
    ["250u", "1/4000"],
    ["0", "0/1"],
  ])("reads %s exactly as %s", (text, expected) => {
    expect(fraction(text)).toBe(expected);
  });

  it.each(["", "-1", "+1", "1.", "1 Gi", "1GB", "1g", "1Kib", "Gi", "1e100", "1.2.3", "0x10"])(
    "refuses %j",
    (text) => {
      expect(parseQuantity(text)).toBeUndefined();
    },
  );

  it("compares amounts written in different units", () => {
    const q = (text: string): Quantity =>
      parseQuantity(text) ?? { numerator: -1n, denominator: 1n };
    expect(compareQuantities(q("1Gi"), q("1G"))).toBe(1);
    expect(compareQuantities(q("500m"), q("0.5"))).toBe(0);
    expect(compareQuantities(q("100m"), q("1"))).toBe(-1);
  });
});

describe("a ResourceQuota's hard map", () => {
  it("takes standard, hugepages and qualified resource names with their amounts", () => {
    expect(
      resourceQuotaProblems({
        "requests.cpu": "4",
        "limits.memory": "16Gi",
        pods: "50",
        "services.loadbalancers": "0",
        "hugepages-2Mi": "1Gi",
        "count/deployments.apps": "20",
        "requests.nvidia.com/gpu": "2",
        "gold.storageclass.storage.k8s.io/requests.storage": "500Gi",
      }),
    ).toEqual([]);
  });

  it("refuses unknown names, amounts that are none, and fractions of counted objects", () => {
    expect(
      resourceQuotaProblems({
        cpus: "4",
        "Requests.CPU": "4",
        memory: "lots",
        pods: "1.5",
        "count/jobs.batch": "500m",
        "requests.memory": "-1Gi",
      }),
    ).toEqual([
      {
        key: "cpus",
        problem:
          '"cpus" is not a resource a ResourceQuota can cap; expected one of cpu, memory, ephemeral-storage, requests.cpu, requests.memory, requests.storage, requests.ephemeral-storage, limits.cpu, limits.memory, limits.ephemeral-storage, pods, resourcequotas, services, replicationcontrollers, secrets, persistentvolumeclaims, configmaps, services.nodeports, services.loadbalancers, hugepages-<size>, or a qualified name such as count/deployments.apps or requests.nvidia.com/gpu',
      },
      {
        key: "Requests.CPU",
        problem: expect.stringMatching(/^"Requests.CPU" is not a resource a ResourceQuota can cap/),
      },
      {
        key: "memory",
        problem:
          '"lots" is not a quantity; expected a non-negative amount such as "500m", "2", "4Gi" or "1e3"',
      },
      {
        key: "pods",
        problem:
          '"1.5" is not a whole number, and pods is counted in whole units; expected a whole amount such as "10"',
      },
      {
        key: "count/jobs.batch",
        problem: expect.stringMatching(/^"500m" is not a whole number, and count\/jobs.batch/),
      },
      { key: "requests.memory", problem: expect.stringMatching(/^"-1Gi" is not a quantity/) },
    ]);
  });

  it("takes a whole count written with a suffix, as the API server does", () => {
    expect(resourceQuotaProblems({ pods: "1k", services: "2e1" })).toEqual([]);
  });

  it("shows a name or amount with an invisible character escaped, not as it would print", () => {
    expect(resourceQuotaProblems({ "pods\u202E": "1", services: "1\u200B" })).toEqual([
      {
        key: "pods\u202E",
        problem: expect.stringMatching(
          /^"pods\\u202E" is not a resource a ResourceQuota can cap; expected one of cpu,/,
        ),
      },
      {
        key: "services",
        problem:
          '"1\\u200B" is not a quantity; expected a non-negative amount such as "500m", "2", "4Gi" or "1e3"',
      },
    ]);
  });
});

describe("container defaults", () => {
  it("take cpu, memory and ephemeral-storage, with requests at most the limits", () => {
    expect(
      containerDefaultsProblems({
        default: { cpu: "1", memory: "1Gi", "ephemeral-storage": "2Gi" },
        defaultRequest: { cpu: "1000m", memory: "512Mi" },
      }),
    ).toEqual([]);
  });

  it("refuse other resources, bad amounts, and a request above the limit in another unit", () => {
    expect(
      containerDefaultsProblems({
        default: { cpu: "500m", pods: "1", memory: "1G" },
        defaultRequest: { cpu: "1", memory: "1Gi", "ephemeral-storage": "big" },
      }),
    ).toEqual([
      {
        path: ["default", "pods"],
        problem:
          '"pods" is not a container resource a LimitRange gives defaults for; expected cpu, memory, ephemeral-storage',
      },
      { path: ["defaultRequest", "ephemeral-storage"], problem: expect.stringMatching(/^"big"/) },
      {
        path: ["defaultRequest", "cpu"],
        problem:
          '"1" is more than the default limit "500m" for cpu; expected a default request at most the default limit',
      },
      {
        path: ["defaultRequest", "memory"],
        problem:
          '"1Gi" is more than the default limit "1G" for memory; expected a default request at most the default limit',
      },
    ]);
  });

  it("show a name or amount with an invisible character escaped, and compare only known resources", () => {
    expect(
      containerDefaultsProblems({
        default: { "cpu\u202E": "1" },
        defaultRequest: { "cpu\u202E": "2", memory: "1\u200BGi" },
      }),
    ).toEqual([
      {
        path: ["default", "cpu\u202E"],
        problem:
          '"cpu\\u202E" is not a container resource a LimitRange gives defaults for; expected cpu, memory, ephemeral-storage',
      },
      {
        path: ["defaultRequest", "cpu\u202E"],
        problem: expect.stringMatching(/^"cpu\\u202E" is not a container resource/),
      },
      {
        path: ["defaultRequest", "memory"],
        problem: expect.stringMatching(/^"1\\u200BGi" is not a quantity;/),
      },
    ]);
  });
});

describe("the guardrail builders", () => {
  it("refuse Services with externalIPs, on create and update, in the tenant's namespaces", () => {
    expect(tenantExternalIpsPolicy("storefront")).toEqual({
      metadata: { name: "k8s-flux-storefront-no-external-ips", labels: LABELS("storefront") },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [""],
              apiVersions: ["v1"],
              operations: ["CREATE", "UPDATE"],
              resources: ["services"],
            },
          ],
        },
        validations: [
          {
            expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
            message: externalIpsRefusal("storefront"),
            reason: "Forbidden",
          },
        ],
      },
    });
    expect(tenantExternalIpsPolicyBinding("storefront")).toEqual({
      metadata: { name: "k8s-flux-storefront-no-external-ips", labels: LABELS("storefront") },
      spec: {
        policyName: "k8s-flux-storefront-no-external-ips",
        validationActions: ["Deny"],
        matchResources: {
          namespaceSelector: { matchLabels: { "toolkit.fluxcd.io/tenant": "storefront" } },
        },
      },
    });
    expect(externalIpsRefusal("storefront")).toMatch(
      /^Service.spec.externalIPs is not allowed in the namespaces of tenant storefront: .*CVE-2020-8554/,
    );
  });

  it("refuse dependsOn entries in another namespace, on every kind that takes them", () => {
    const policy = tenantForeignDependenciesPolicy("storefront");
    expect(policy.metadata).toEqual({
      name: "k8s-flux-storefront-no-foreign-dependencies",
      labels: LABELS("storefront"),
    });
    expect(policy.spec.matchConstraints.resourceRules).toEqual(
      [
        ["kustomize.toolkit.fluxcd.io", "kustomizations"],
        ["helm.toolkit.fluxcd.io", "helmreleases"],
        ["fluxcd.controlplane.io", "resourcesets"],
      ].map(([group, resource]) => ({
        apiGroups: [group],
        apiVersions: ["*"],
        operations: ["CREATE", "UPDATE"],
        resources: [resource],
      })),
    );
    // What the expression admits is the cluster stage's to show, with the real API server.
    expect(policy.spec.validations.map(({ message, reason }) => ({ message, reason }))).toEqual([
      { message: foreignDependenciesRefusal("storefront"), reason: "Forbidden" },
    ]);
    expect(policy.spec.failurePolicy).toBe("Fail");
    expect(foreignDependenciesRefusal("storefront")).toMatch(
      /^spec.dependsOn may name only objects in the object's own namespace in the namespaces of tenant storefront: .*readyExpr/,
    );
    expect(
      tenantPolicyBinding("storefront", "k8s-flux-storefront-no-foreign-dependencies"),
    ).toEqual({
      metadata: {
        name: "k8s-flux-storefront-no-foreign-dependencies",
        labels: LABELS("storefront"),
      },
      spec: {
        policyName: "k8s-flux-storefront-no-foreign-dependencies",
        validationActions: ["Deny"],
        matchResources: {
          namespaceSelector: { matchLabels: { "toolkit.fluxcd.io/tenant": "storefront" } },
        },
      },
    });
  });

  it("hold a tenant's DNS names to its domains, compared in lower case without the trailing dot", () => {
    const policy = tenantDnsNamesPolicy({
      tenant: "storefront",
      domains: ["Shop.Example.com.", "storefront.example.org"],
      annotationPrefix: "dns.acme.io/",
    });
    expect(policy.metadata.name).toBe("k8s-flux-storefront-dns-names");
    expect(policy.spec.matchConstraints.resourceRules.map((rule) => rule.resources)).toEqual([
      ["services"],
      ["ingresses"],
    ]);
    expect(policy.spec.variables).toEqual([
      { name: "domains", expression: "['shop.example.com', 'storefront.example.org']" },
      {
        name: "hostnameKeys",
        expression:
          "['external-dns.kubernetes.io/hostname', 'external-dns.kubernetes.io/internal-hostname', 'external-dns.alpha.kubernetes.io/hostname', 'external-dns.alpha.kubernetes.io/internal-hostname', 'dns.acme.io/hostname', 'dns.acme.io/internal-hostname']",
      },
    ]);
    // What the expressions admit is the cluster stage's to show, with the real API server.
    expect(policy.spec.failurePolicy).toBe("Fail");
    const names =
      "a Service or Ingress in the namespaces of tenant storefront may name only the tenant's own DNS domains, in External DNS's hostname annotations and in Ingress hosts: expected shop.example.com, storefront.example.org or a subdomain of one";
    const catchAll =
      "an Ingress in the namespaces of tenant storefront must name a host in every rule and may have no spec.defaultBackend: on a shared ingress controller, either takes every host no other Ingress names; expected shop.example.com, storefront.example.org or a subdomain of one";
    // Annotations, rule hosts, TLS hosts; then rules without a host and the default backend.
    expect(policy.spec.validations.map(({ message, reason }) => ({ message, reason }))).toEqual(
      [names, names, names, catchAll, catchAll].map((message) => ({
        message,
        reason: "Forbidden",
      })),
    );
    expect(ingressCatchAllRefusal("storefront", [])).toMatch(/; it may name none$/);
    expect(dnsNamesRefusal("storefront", [])).toMatch(/: it may name none$/);
    const plain = tenantDnsNamesPolicy({ tenant: "storefront", domains: [] });
    expect(plain.spec.variables).toEqual([
      { name: "domains", expression: "[]" },
      {
        name: "hostnameKeys",
        expression:
          "['external-dns.kubernetes.io/hostname', 'external-dns.kubernetes.io/internal-hostname', 'external-dns.alpha.kubernetes.io/hostname', 'external-dns.alpha.kubernetes.io/internal-hostname']",
      },
    ]);
  });

  it("cap the workload namespace with the quota as given", () => {
    expect(
      tenantResourceQuota({ tenant: "storefront", namespace: "storefront", hard: { pods: "20" } }),
    ).toEqual({
      metadata: {
        name: "k8s-flux-tenant-quota",
        namespace: "storefront",
        labels: LABELS("storefront"),
      },
      spec: { hard: { pods: "20" } },
    });
  });

  it("give containers defaults, leaving out what is not given", () => {
    expect(
      tenantLimitRange({
        tenant: "storefront",
        namespace: "storefront",
        defaults: { defaultRequest: { cpu: "100m" } },
      }),
    ).toEqual({
      metadata: {
        name: "k8s-flux-container-defaults",
        namespace: "storefront",
        labels: LABELS("storefront"),
      },
      spec: { limits: [{ type: "Container", defaultRequest: { cpu: "100m" } }] },
    });
  });

  it("admit ingress from the tenant's own namespaces and from namespaces of no tenant", () => {
    expect(tenantNetworkPolicy({ tenant: "storefront", namespace: "storefront" })).toEqual({
      metadata: {
        name: "k8s-flux-deny-other-tenants",
        namespace: "storefront",
        labels: LABELS("storefront"),
      },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { "toolkit.fluxcd.io/tenant": "storefront" } } },
              {
                namespaceSelector: {
                  matchExpressions: [{ key: "toolkit.fluxcd.io/tenant", operator: "DoesNotExist" }],
                },
              },
            ],
          },
        ],
      },
    });
  });
});

/** Fresh mocks and one tenant, storefront, with `extra` arguments; its key is added by hand. */
async function tenant(extra: Partial<ApplicationFluxArgs> = {}) {
  const run = await startMockRun("test");
  const { ApplicationFlux } = await import("../components/applicationFlux");
  new ApplicationFlux("app-storefront", {
    name: "storefront",
    source: { repository: "git@github.com:acme/storefront-flux.git" },
    clusterName: "prod-eks",
    registerDeployKey: false,
    ...extra,
  });
  await run.settle();
  return run;
}

describe("ApplicationFlux's guardrails", () => {
  it("are the admission policies against externalIPs and foreign dependencies and their bindings only, unless asked for more", async () => {
    const run = await tenant();
    const { apiVersion, kind, ...policy } = run.one(
      TYPES.admissionPolicy,
      "app-storefront-no-external-ips",
    ).inputs;
    expect([apiVersion, kind]).toEqual([
      "admissionregistration.k8s.io/v1",
      "ValidatingAdmissionPolicy",
    ]);
    const built = tenantExternalIpsPolicy("storefront");
    // The policies are the program's alone: applied with force, so that one an interrupted update
    // created and never recorded is taken over on the next, not stopped at a field conflict.
    const forced = { "pulumi.com/patchForce": "true" };
    expect(policy).toEqual({ ...built, metadata: { ...built.metadata, annotations: forced } });
    const binding = run.one(TYPES.admissionPolicyBinding, "app-storefront-no-external-ips-binding");
    expect(binding.inputs["spec"]).toEqual(tenantExternalIpsPolicyBinding("storefront").spec);
    expect(binding.inputs["metadata"]["annotations"]).toEqual(forced);
    const dependencies = run.one(TYPES.admissionPolicy, "app-storefront-no-foreign-dependencies");
    expect(dependencies.inputs["spec"]).toEqual(tenantForeignDependenciesPolicy("storefront").spec);
    const dependenciesBinding = run.one(
      TYPES.admissionPolicyBinding,
      "app-storefront-no-foreign-dependencies-binding",
    );
    expect(dependenciesBinding.inputs["spec"]["policyName"]).toBe(
      "k8s-flux-storefront-no-foreign-dependencies",
    );
    expect(dependenciesBinding.dependencies).toContain(dependencies.urn);
    for (const forcedObject of [dependencies, dependenciesBinding]) {
      expect(forcedObject.inputs["metadata"]["annotations"]).toEqual(forced);
    }
    expect(run.ofType(TYPES.admissionPolicy)).toHaveLength(2);
    expect(run.ofType(TYPES.admissionPolicyBinding)).toHaveLength(2);
    for (const type of [TYPES.resourceQuota, TYPES.limitRange, TYPES.networkPolicy]) {
      expect(run.ofType(type)).toEqual([]);
    }
  });

  it("hold the tenant's DNS names to its domains when given, before the first sync", async () => {
    const run = await tenant({
      dnsDomains: ["shop.example.com"],
      externalDnsAnnotationPrefix: "dns.acme.io/",
    });
    const policy = run.one(TYPES.admissionPolicy, "app-storefront-dns-names");
    expect(policy.inputs["spec"]).toEqual(
      tenantDnsNamesPolicy({
        tenant: "storefront",
        domains: ["shop.example.com"],
        annotationPrefix: "dns.acme.io/",
      }).spec,
    );
    const binding = run.one(TYPES.admissionPolicyBinding, "app-storefront-dns-names-binding");
    expect(binding.inputs["spec"]["matchResources"]).toEqual({
      namespaceSelector: { matchLabels: { "toolkit.fluxcd.io/tenant": "storefront" } },
    });
    const kustomization = run.k8s("Kustomization", "storefront", "storefront-flux");
    expect(kustomization.dependencies).toContain(binding.urn);
    // An empty list is a choice too: no name at all.
    const none = await tenant({ dnsDomains: [] });
    expect(
      none.one(TYPES.admissionPolicy, "app-storefront-dns-names").inputs["spec"]["variables"][0],
    ).toEqual({ name: "domains", expression: "[]" });
  });

  it("add the quota, container defaults and network policy to the workload namespace when asked, before the first sync", async () => {
    const run = await tenant({
      resourceQuota: { "requests.cpu": "4", pods: "20" },
      limitRange: { default: { memory: "512Mi" }, defaultRequest: { memory: "256Mi" } },
      networkPolicy: true,
    });
    const quota = run.k8s("ResourceQuota", "k8s-flux-tenant-quota", "storefront");
    expect(quota.inputs["spec"]).toEqual({ hard: { "requests.cpu": "4", pods: "20" } });
    const defaults = run.k8s("LimitRange", "k8s-flux-container-defaults", "storefront");
    expect(defaults.inputs["spec"]).toEqual({
      limits: [
        { type: "Container", default: { memory: "512Mi" }, defaultRequest: { memory: "256Mi" } },
      ],
    });
    const policy = run.k8s("NetworkPolicy", "k8s-flux-deny-other-tenants", "storefront");
    const kustomization = run.k8s("Kustomization", "storefront", "storefront-flux");
    for (const guard of [quota, defaults, policy]) {
      expect(kustomization.dependencies).toContain(guard.urn);
    }
    // Nothing of it in the Flux namespace, where no workload of the tenant can run.
    expect(
      run.k8sObjects().filter((r) => r.inputs["metadata"]?.namespace === "storefront-flux"),
    ).toHaveLength(4);
  });

  it("refuse a quota or defaults the API server would refuse, naming the argument, before creating anything", async () => {
    const refusals: string[] = [];
    const cases: Partial<ApplicationFluxArgs>[] = [
      { resourceQuota: {} },
      { resourceQuota: { pods: "1.5" } },
      { limitRange: {} },
      { limitRange: { default: { cpu: "1" }, defaultRequest: { cpu: "2" } } },
      { resourceQuota: { "pods\u202E": "1" } },
      { limitRange: { default: { "cpu\u200B": "1" } } },
      { dnsDomains: ["shop.example.com", "*.example.com"] },
      { dnsDomains: ["shop.example.com'] || true || ['"] },
      { dnsDomains: ["shop.example.com"], externalDnsAnnotationPrefix: "dns.acme.io" },
    ];
    for (const extra of cases) {
      const run = await startMockRun("test");
      const { ApplicationFlux } = await import("../components/applicationFlux");
      refusals.push(
        await thrownMessage(
          () =>
            new ApplicationFlux("app-storefront", {
              name: "storefront",
              source: { repository: "git@github.com:acme/storefront-flux.git" },
              clusterName: "prod-eks",
              registerDeployKey: false,
              ...extra,
            }),
        ),
      );
      await run.settle();
      expect(run.k8sObjects()).toEqual([]);
    }
    expect(refusals).toEqual([
      "ApplicationFlux app-storefront: resourceQuota is empty; expected at least one resource",
      'ApplicationFlux app-storefront: resourceQuota["pods"] "1.5" is not a whole number, and pods is counted in whole units; expected a whole amount such as "10"',
      "ApplicationFlux app-storefront: limitRange is empty; expected default or defaultRequest",
      'ApplicationFlux app-storefront: limitRange.defaultRequest["cpu"] "2" is more than the default limit "1" for cpu; expected a default request at most the default limit',
      expect.stringMatching(
        /^ApplicationFlux app-storefront: resourceQuota\["pods\\u202E"\] "pods\\u202E" is not a resource a ResourceQuota can cap;/,
      ),
      'ApplicationFlux app-storefront: limitRange.default["cpu\\u200B"] "cpu\\u200B" is not a container resource a LimitRange gives defaults for; expected cpu, memory, ephemeral-storage',
      'ApplicationFlux app-storefront: dnsDomains[1] "*.example.com" is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as "example.com", which also covers its subdomains',
      `ApplicationFlux app-storefront: dnsDomains[0] "shop.example.com'] || true || ['" is not a DNS domain name; expected a domain such as dev.example.com`,
      'ApplicationFlux app-storefront: externalDnsAnnotationPrefix "dns.acme.io" is not an annotation prefix; expected a DNS subdomain in lower case followed by a slash, such as "dns.acme.io/"',
    ]);
  });
});

describe("the stack settings", () => {
  const withApp = (extra: Record<string, unknown>) => ({
    ...MINIMAL,
    applications: [app("storefront", extra)],
  });

  it("take a quota, container defaults and the network policy, amounts as text", () => {
    const [storefront] = validate(
      withApp({
        resourceQuota: { "requests.cpu": 4, "requests.memory": "8Gi", pods: 50 },
        limitRange: { default: { cpu: "1", memory: "1Gi" }, defaultRequest: { cpu: 0.25 } },
        networkPolicy: true,
      }),
    ).applications;
    expect(storefront).toMatchObject({
      resourceQuota: { "requests.cpu": "4", "requests.memory": "8Gi", pods: "50" },
      limitRange: { default: { cpu: "1", memory: "1Gi" }, defaultRequest: { cpu: "0.25" } },
      networkPolicy: true,
    });
  });

  it("leave them all out by default", () => {
    const [storefront] = validate(withApp({})).applications;
    expect(storefront?.resourceQuota).toBeUndefined();
    expect(storefront?.limitRange).toBeUndefined();
    expect(storefront?.networkPolicy).toBe(false);
    expect(validate(MINIMAL).systemFlux.operatorWebUi).toBe(false);
  });

  it("refuse each bad entry under its own key, all at once", () => {
    expect(
      problemsOf(
        withApp({
          resourceQuota: { "requests.cpu": "four", "count/pods": 1.5, gpus: "1", pods: [] },
          limitRange: {
            default: { cpu: "1" },
            defaultRequest: { cpu: "2", memory: "lots" },
            max: { cpu: "2" },
          },
          networkPolicy: "yes",
        }),
      ),
    ).toEqual([
      'k8s-flux:applications[0].resourceQuota.pods: expected an amount such as "500m", "2", "4Gi" or "1e3", got []',
      'k8s-flux:applications[0].resourceQuota["requests.cpu"]: "four" is not a quantity; expected a non-negative amount such as "500m", "2", "4Gi" or "1e3"',
      'k8s-flux:applications[0].resourceQuota["count/pods"]: "1.5" is not a whole number, and count/pods is counted in whole units; expected a whole amount such as "10"',
      'k8s-flux:applications[0].resourceQuota.gpus: "gpus" is not a resource a ResourceQuota can cap; expected one of cpu, memory, ephemeral-storage, requests.cpu, requests.memory, requests.storage, requests.ephemeral-storage, limits.cpu, limits.memory, limits.ephemeral-storage, pods, resourcequotas, services, replicationcontrollers, secrets, persistentvolumeclaims, configmaps, services.nodeports, services.loadbalancers, hugepages-<size>, or a qualified name such as count/deployments.apps or requests.nvidia.com/gpu',
      "k8s-flux:applications[0].limitRange.max: unknown setting; expected one of default, defaultRequest",
      'k8s-flux:applications[0].limitRange.defaultRequest.memory: "lots" is not a quantity; expected a non-negative amount such as "500m", "2", "4Gi" or "1e3"',
      'k8s-flux:applications[0].limitRange.defaultRequest.cpu: "2" is more than the default limit "1" for cpu; expected a default request at most the default limit',
      'k8s-flux:applications[0].networkPolicy: expected a boolean, got string "yes"; write true or false, without quotes',
    ]);
  });

  it("show a name or amount with an invisible character escaped, in the key and the message", () => {
    expect(
      problemsOf(
        withApp({
          resourceQuota: { "pods\u202E": "1" },
          limitRange: { default: { cpu: "1\u200B" } },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^k8s-flux:applications\[0\]\.resourceQuota\["pods\\u202E"\]: "pods\\u202E" is not a resource a ResourceQuota can cap;/,
      ),
      'k8s-flux:applications[0].limitRange.default.cpu: "1\\u200B" is not a quantity; expected a non-negative amount such as "500m", "2", "4Gi" or "1e3"',
    ]);
  });

  it("refuse an empty quota or empty defaults, which would cap nothing", () => {
    expect(problemsOf(withApp({ resourceQuota: {}, limitRange: { default: {} } }))).toEqual([
      "k8s-flux:applications[0].resourceQuota: is empty; expected the resources to cap, such as { requests.cpu: 4, requests.memory: 8Gi, pods: 50 }",
      "k8s-flux:applications[0].limitRange: is empty; expected default and/or defaultRequest, each with amounts for cpu, memory, ephemeral-storage",
    ]);
  });

  it("refuse a map of the wrong type once, not also as empty", () => {
    expect(problemsOf(withApp({ resourceQuota: "4", limitRange: { default: "x" } }))).toEqual([
      'k8s-flux:applications[0].resourceQuota: expected amounts by resource name, such as { cpu: 500m, memory: 1Gi }, got "4"',
      'k8s-flux:applications[0].limitRange.default: expected amounts by resource name, such as { cpu: 500m, memory: 1Gi }, got "x"',
    ]);
  });

  it("refuse the operator's web UI for an operator installed elsewhere", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: {
          repository: "git@github.com:acme/k8s-flux.git",
          installOperator: false,
          operatorWebUi: true,
        },
      }),
    ).toEqual([
      "k8s-flux:systemFlux.operatorWebUi: is only used when this program installs the Flux Operator, but k8s-flux:systemFlux.installOperator is false; remove it, or turn the UI on where the operator is managed",
    ]);
    expect(
      validate({
        ...MINIMAL,
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", operatorWebUi: true },
      }).systemFlux.operatorWebUi,
    ).toBe(true);
  });
});
