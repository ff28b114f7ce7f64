/**
 * No application takes over a namespace that exists and is not this stack's: the ownership
 * label every namespace gets, the rule, and the whole program under mocks with namespaces that
 * already exist in the cluster. The cluster client itself is tested in kubeconfig.test.ts, and
 * the real engine refuses a takeover in test/e2e/namespaceTakeover.test.ts.
 */
import { describe, expect, it } from "vitest";
import { STACK_OWNERSHIP_LABEL, stackOwnershipValue } from "../components/shared/ownership";
import type { NamespaceAnswer } from "../stacks/clusterNamespaces";
import { parseLastDeployment } from "../stacks/lastDeployment";
import { guardNamespaces, namespacesToCheck } from "../stacks/namespaceGuard";
import {
  attemptStack,
  runStack,
  TEST_STACK_OWNERSHIP,
  thrownMessage,
  type StackOptions,
} from "./harness";

const NAMESPACE = "kubernetes:core/v1:Namespace";
/** The dev stack's ownership label value (organization/k8s-flux/dev). */
const DEV_OWNER = "k8s-flux.dev.c8fc45440121fc95";
const LEGACY = { name: "payments-legacy", repository: "git@github.com:acme/payments-flux.git" };
const SAMPLE = { name: "sample-dev", repository: "git@github.com:acme/test-app-flux-repo.git" };

describe("the ownership label", () => {
  it("names the stack readably and tells every stack apart by a digest of its full name", () => {
    const value = (organization: string, project: string, stack: string) =>
      stackOwnershipValue({ organization, project, stack });
    expect(value("organization", "k8s-flux", "dev")).toBe(DEV_OWNER);
    expect({ [STACK_OWNERSHIP_LABEL]: value("organization", "k8s-flux", "test") }).toEqual(
      TEST_STACK_OWNERSHIP,
    );
    const values = [
      value("organization", "k8s-flux", "dev"),
      value("acme", "k8s-flux", "dev"),
      value("organization", "k8s-flux-2", "dev"),
      value("organization", "k8s-flux", "dev2"),
    ];
    expect(new Set(values).size).toBe(values.length);
  });

  it("is a valid label value whatever the names: at most 63 characters, alphanumeric at both ends", () => {
    const long = "a".repeat(200);
    for (const [project, stack] of [
      [long, long],
      ["-project_", "_stack."],
      ["k8s flux/ünï", "prod"],
      ["___", "..."],
    ] as const) {
      const value = stackOwnershipValue({ organization: "acme", project, stack });
      expect(value.length, value).toBeLessThanOrEqual(63);
      expect(value).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/);
    }
    expect(
      stackOwnershipValue({ organization: "o", project: "k8s flux/ünï", stack: "prod" }),
    ).toMatch(/^k8s-flux-n-.prod\.[0-9a-f]{16}$/);
    // Two long names that differ only past the readable part still differ.
    const a = stackOwnershipValue({ organization: "o", project: long, stack: "a" });
    const b = stackOwnershipValue({ organization: "o", project: long, stack: "b" });
    expect(a).not.toBe(b);
  });

  it("is on every namespace the stack creates", async () => {
    const { run } = await runStack("dev");
    const namespaces = run.ofType(NAMESPACE);
    expect(namespaces.map((r) => r.inputs["metadata"].name).sort()).toEqual(
      ["external-dns", "flux-system", "sample-dev", "sample-dev-flux"].sort(),
    );
    for (const namespace of namespaces) {
      expect(namespace.inputs["metadata"].labels[STACK_OWNERSHIP_LABEL]).toBe(DEV_OWNER);
    }
  });
});

describe("the rule", () => {
  const owner = "k8s-flux.prod.0123456789abcdef";
  const answering =
    (existing: { name: string; labels: Record<string, string> }[], asked: string[][] = []) =>
    async (names: readonly string[]): Promise<NamespaceAnswer> => {
      asked.push([...names]);
      return { answered: true, existing: existing.filter((n) => names.includes(n.name)) };
    };

  it("looks up both namespaces of every application the last deployment did not create", () => {
    const applications = [{ name: "a" }, { name: "b" }, { name: "c" }];
    expect(namespacesToCheck(applications, new Set(["b"]))).toEqual(["a", "a-flux", "c", "c-flux"]);
    expect(namespacesToCheck(applications, new Set(["a", "b", "c"]))).toEqual([]);
  });

  it("refuses each existing namespace not labelled as this stack's, naming the application's key", async () => {
    const result = await guardNamespaces({
      applications: [{ name: "fresh" }, { name: "payments-legacy" }, { name: "billing" }],
      deployedApplications: new Set(),
      lookUp: answering([
        { name: "payments-legacy", labels: { team: "payments" } },
        {
          name: "billing-flux",
          labels: { [STACK_OWNERSHIP_LABEL]: "k8s-flux.staging.fedcba9876543210" },
        },
        { name: "billing", labels: { [STACK_OWNERSHIP_LABEL]: owner } },
      ]),
      preview: false,
      owner,
    });
    expect(result.problems).toEqual([
      `k8s-flux:applications[1].name: namespace "payments-legacy" already exists and is not this stack's (it has no ${STACK_OWNERSHIP_LABEL} label, and this stack's last deployment did not create application "payments-legacy"). The application would take it over: the tenant would be given rights there, its Pod Security labels would replace the namespace's, and removing the application would delete the namespace with everything in it. Expected an application name whose namespaces ("payments-legacy" and "payments-legacy-flux") do not exist; if this namespace is meant to become this application's, hand it over deliberately with "kubectl label namespace payments-legacy ${STACK_OWNERSHIP_LABEL}=${owner}" and run pulumi up again`,
      `k8s-flux:applications[2].name: namespace "billing-flux" already exists and is not this stack's (its ${STACK_OWNERSHIP_LABEL} label is "k8s-flux.staging.fedcba9876543210", another stack's; this stack's is "${owner}"). The application would take it over: the tenant would be given rights there, its Pod Security labels would replace the namespace's, and removing the application would delete the namespace with everything in it. Expected an application name whose namespaces ("billing" and "billing-flux") do not exist; if this namespace is meant to become this application's, hand it over deliberately with "kubectl label namespace billing-flux ${STACK_OWNERSHIP_LABEL}=${owner} --overwrite" and run pulumi up again`,
    ]);
  });

  it("accepts the namespaces of an application the last deployment created, without asking", async () => {
    const asked: string[][] = [];
    const result = await guardNamespaces({
      applications: [{ name: "payments-legacy" }, { name: "new" }],
      deployedApplications: new Set(["payments-legacy"]),
      lookUp: answering([{ name: "payments-legacy", labels: {} }], asked),
      preview: false,
      owner,
    });
    expect(result).toEqual({ problems: [] });
    expect(asked).toEqual([["new", "new-flux"]]);
  });

  it("asks nothing when every application was deployed before, or there is none", async () => {
    const asked: string[][] = [];
    for (const applications of [[], [{ name: "a" }]]) {
      const result = await guardNamespaces({
        applications,
        deployedApplications: new Set(["a"]),
        lookUp: answering([], asked),
        preview: false,
        owner,
      });
      expect(result).toEqual({ problems: [] });
    }
    expect(asked).toEqual([]);
  });

  const unreachable = async (): Promise<NamespaceAnswer> => ({
    answered: false,
    reason:
      'context "prod" (server https://prod.example:6443, from ~/.kube/config) cannot be reached: getaddrinfo ENOTFOUND prod.example',
  });

  it("stops an update when the cluster cannot be asked, before anything changes", async () => {
    const message = await thrownMessage(() =>
      guardNamespaces({
        applications: [{ name: "payments" }],
        deployedApplications: new Set(),
        lookUp: unreachable,
        preview: false,
        owner,
      }),
    );
    expect(message).toBe(
      `Could not check the cluster (nothing was changed): context "prod" (server https://prod.example:6443, from ~/.kube/config) cannot be reached: getaddrinfo ENOTFOUND prod.example. Before creating the applications' namespaces ("payments", "payments-flux"), pulumi up checks that none of them exists unless it is this stack's, so that no application takes over a namespace it does not own. Expected the cluster to be reachable with the kubeconfig the Kubernetes provider uses (kubernetes:kubeconfig, else KUBECONFIG, else ~/.kube/config; kubernetes:context, else the current context); if it is reached through a proxy, give the cluster entry a proxy-url.`,
    );
  });

  it("lets a preview go on with a warning when the cluster cannot be asked (it may not exist yet)", async () => {
    const result = await guardNamespaces({
      applications: [{ name: "payments" }],
      deployedApplications: new Set(),
      lookUp: unreachable,
      preview: true,
      owner,
    });
    expect(result.problems).toEqual([]);
    expect(result.warning).toBe(
      `Namespace check skipped in this preview: context "prod" (server https://prod.example:6443, from ~/.kube/config) cannot be reached: getaddrinfo ENOTFOUND prod.example. pulumi up checks, before changing anything, that none of the applications' namespaces ("payments", "payments-flux") exists unless it is this stack's, and stops if the cluster cannot be reached then.`,
    );
  });
});

describe("the last deployment's applications", () => {
  it("are the names of its applicationPublicKeys output", () => {
    const keys = { "sample-dev": "ssh-ed25519 AAAA1", payments: "ssh-ed25519 AAAA2" };
    expect(parseLastDeployment({ applicationPublicKeys: keys }).applications).toEqual([
      "sample-dev",
      "payments",
    ]);
    expect(parseLastDeployment({ applicationPublicKeys: {} }).applications).toEqual([]);
    expect(parseLastDeployment({}).applications).toBeUndefined();
    expect(parseLastDeployment({ applicationPublicKeys: ["a"] }).applications).toBeUndefined();
  });
});

describe("the whole program against a cluster with namespaces of its own", () => {
  /** Runs the dev stack with these applications; returns the message and what was registered. */
  async function deploy(options: StackOptions) {
    const { run, error } = await attemptStack("dev", options);
    return { message: error === undefined ? "" : (error as Error).message, run };
  }

  it("refuses an application whose namespace exists and is not this stack's, and registers nothing", async () => {
    const { message, run } = await deploy({
      settings: { applications: [SAMPLE, LEGACY] },
      existingNamespaces: [
        { name: "payments-legacy", labels: { "kubernetes.io/metadata.name": "payments-legacy" } },
      ],
    });
    expect(message).toMatch(
      /^Invalid stack configuration \(nothing was changed\):\n {2}- k8s-flux:applications\[1\]\.name: namespace "payments-legacy" already exists and is not this stack's \(it has no k8s-flux\.io\/stack label/,
    );
    expect(message.split("\n")).toHaveLength(2);
    // Nothing at all: the read of the stack's own last outputs is a read, not a registration.
    expect(run.resources.map((r) => r.type)).toEqual([]);
  });

  it("refuses a namespace another stack labelled as its own", async () => {
    const { message } = await deploy({
      settings: { applications: [LEGACY] },
      existingNamespaces: [
        {
          name: "payments-legacy-flux",
          labels: { [STACK_OWNERSHIP_LABEL]: "k8s-flux.prod.501c4b34c5f3a8e4" },
        },
      ],
    });
    expect(message).toContain(
      `k8s-flux:applications[0].name: namespace "payments-legacy-flux" already exists and is not this stack's (its ${STACK_OWNERSHIP_LABEL} label is "k8s-flux.prod.501c4b34c5f3a8e4", another stack's; this stack's is "${DEV_OWNER}")`,
    );
  });

  it("accepts namespaces that carry this stack's label, as a failed first update leaves them", async () => {
    const ours = { [STACK_OWNERSHIP_LABEL]: DEV_OWNER };
    const { message, run } = await deploy({
      settings: { applications: [LEGACY] },
      existingNamespaces: [
        { name: "payments-legacy", labels: ours },
        { name: "payments-legacy-flux", labels: ours },
      ],
    });
    expect(message).toBe("");
    expect(run.ofType(NAMESPACE).map((r) => r.inputs["metadata"].name)).toContain(
      "payments-legacy",
    );
  });

  it("accepts the unlabelled namespaces of an application its last deployment created", async () => {
    const { message, run } = await deploy({
      settings: { applications: [LEGACY] },
      existingNamespaces: [
        { name: "payments-legacy", labels: {} },
        { name: "payments-legacy-flux", labels: {} },
      ],
      lastOutputs: { applicationPublicKeys: { "payments-legacy": "ssh-ed25519 AAAAOLD" } },
    });
    expect(message).toBe("");
    const namespace = run.k8s("Namespace", "payments-legacy");
    // The next update labels it, so the stack recognises it even without that output.
    expect(namespace.inputs["metadata"].labels[STACK_OWNERSHIP_LABEL]).toBe(DEV_OWNER);
  });
});
