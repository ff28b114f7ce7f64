/**
 * ExternalDns: its Route53 policy, command line, cluster objects and identity rules as pure
 * functions, and under mocks the wiring of each identity mode (IRSA with a given or looked-up
 * OIDC provider, EKS Pod Identity, kube2iam, a role managed elsewhere). Turning it off is the
 * composition's job (stacks/cluster.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, type MockInstance, vi } from "vitest";
import { hostnameAnnotationKeys } from "../components/externalDns/annotations";
import type { ExternalDns as ExternalDnsClass, ExternalDnsArgs } from "../components/externalDns";
import {
  normalizedRecordName,
  oidcIssuerOf,
  recordNamePatterns,
  route53Policy,
} from "../components/externalDns/iam";
import { type ExternalDnsIdentity, roleTrust } from "../components/externalDns/identity";
import {
  externalDnsArgs,
  externalDnsClusterRole,
  externalDnsClusterRoleBinding,
  externalDnsDeployment,
  externalDnsNamespace,
  externalDnsServiceAccount,
} from "../components/externalDns/manifests";
import { NO_ROLE_ANNOTATIONS, onlyRoleAnnotations } from "../components/shared/kube2iam";
import { ownedByThisStack } from "../components/shared/ownership";
import { versions } from "../components/versions";
import { MINIMAL, problemsOf, validate, ZONE } from "./configFixtures";
import { FAKE, type MockRun, type Recorded, startMockRun, thrownMessage, valueOf } from "./harness";

const TYPES = {
  component: "k8s-flux:externalDns:ExternalDns",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  namespace: "kubernetes:core/v1:Namespace",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  deployment: "kubernetes:apps/v1:Deployment",
} as const;

const INVOKES = {
  partition: "aws:index/getPartition:getPartition",
  cluster: "aws:eks/getCluster:getCluster",
  oidcProvider: "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider",
} as const;

const NAME = "edge-dns";
/** What the harness's mocked IAM returns for the role `<NAME>-role`. */
const ROLE_ARN = `arn:aws:iam::123456789012:role/${NAME}-role-1234567`;
const ROLE_NAME = `${NAME}-role-1234567`;
const MANAGED_ROLE_ARN = "arn:aws:iam::123456789012:role/external-dns-managed-elsewhere";

const GIVEN_ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/GIVEN000000000000000000000000000";
const GIVEN_OIDC_ARN = `arn:aws:iam::123456789012:oidc-provider/${GIVEN_ISSUER}`;
const NODE_ROLE_ARN = "arn:aws:iam::123456789012:role/eks-nodes";

const ZONES = ["Z0123456789ABCDEFGHIJ", "Z0SECOND0ZONE0000001"];
const ZONE_ARNS = [
  "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ",
  "arn:aws:route53:::hostedzone/Z0SECOND0ZONE0000001",
];
/** What kube2iam and kiam read on a namespace whose pods may get no role. */
const NO_ROLE = { "iam.amazonaws.com/allowed-roles": "[]", "iam.amazonaws.com/permitted": "^$" };

const LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "external-dns",
  "app.kubernetes.io/name": "external-dns",
};

const IRSA_GIVEN: ExternalDnsIdentity = {
  mode: "irsa",
  eksClusterName: "dev-eks",
  oidcProviderArn: GIVEN_OIDC_ARN,
};
const IRSA_LOOKUP: ExternalDnsIdentity = { mode: "irsa", eksClusterName: "dev-eks-eu" };
const POD_IDENTITY: ExternalDnsIdentity = { mode: "pod-identity", eksClusterName: "dev-eks-eu" };
const KUBE2IAM: ExternalDnsIdentity = { mode: "kube2iam", nodeRoleArn: NODE_ROLE_ARN };

/** The one Route53 call that cannot be scoped to a zone. */
const FIND_ZONES = {
  Sid: "FindHostedZones",
  Effect: "Allow",
  Action: "route53:ListHostedZones",
  Resource: "*",
};
const policyFor = (zones: readonly string[] | "every zone", domainFilters: string[] = []) =>
  route53Policy({ partition: "aws", zones, domainFilters });

describe("route53Policy", () => {
  it("changes and reads records in exactly the given zones, and lists zones, nothing else", () => {
    expect(policyFor(ZONES)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ChangeRecordsInManagedZones",
          Effect: "Allow",
          Action: "route53:ChangeResourceRecordSets",
          Resource: ZONE_ARNS,
        },
        {
          Sid: "ReadRecordsInManagedZones",
          Effect: "Allow",
          Action: "route53:ListResourceRecordSets",
          Resource: ZONE_ARNS,
        },
        FIND_ZONES,
      ],
    });
  });

  it("limits changes to the names under the domain filters, and their ownership records", () => {
    expect(policyFor(ZONES, ["dev.example.com", "API.example.org."])).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ChangeRecordsInManagedZones",
          Effect: "Allow",
          Action: "route53:ChangeResourceRecordSets",
          Resource: ZONE_ARNS,
          Condition: {
            "ForAllValues:StringLike": {
              "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
                "dev.example.com",
                "*.dev.example.com",
                "a-dev.example.com",
                "aaaa-dev.example.com",
                "cname-dev.example.com",
                "api.example.org",
                "*.api.example.org",
                "a-api.example.org",
                "aaaa-api.example.org",
                "cname-api.example.org",
              ],
            },
          },
        },
        {
          Sid: "ReadRecordsInManagedZones",
          Effect: "Allow",
          Action: "route53:ListResourceRecordSets",
          Resource: ZONE_ARNS,
        },
        FIND_ZONES,
      ],
    });
  });

  it("reaches every hosted zone of the partition only when told so", () => {
    const every = route53Policy({ partition: "aws-cn", zones: "every zone", domainFilters: [] });
    expect(every.Statement.map((statement) => statement.Resource)).toEqual([
      "arn:aws-cn:route53:::hostedzone/*",
      "arn:aws-cn:route53:::hostedzone/*",
      "*",
    ]);
    expect(
      route53Policy({ partition: "aws-us-gov", zones: ["Z1"], domainFilters: [] }).Statement[1]
        ?.Resource,
    ).toEqual(["arn:aws-us-gov:route53:::hostedzone/Z1"]);
    expect(() => policyFor([])).toThrow('no hosted zone given; expected zone ids, or "every zone"');
  });

  it("grants no tag, zone-creation or other call External DNS does not make with its flags", () => {
    const actions = policyFor("every zone", ["example.com"]).Statement.flatMap((statement) =>
      [statement.Action].flat(),
    );
    expect(actions).toEqual([
      "route53:ChangeResourceRecordSets",
      "route53:ListResourceRecordSets",
      "route53:ListHostedZones",
    ]);
  });
});

describe("the record names Route53 compares", () => {
  it("are lower case, without the trailing dot, other characters in octal", () => {
    expect(normalizedRecordName("Dev.Example.COM.")).toBe("dev.example.com");
    expect(normalizedRecordName("_acme-challenge.example.com")).toBe("_acme-challenge.example.com");
    expect(normalizedRecordName("*.example.com")).toBe("\\052.example.com");
    expect(normalizedRecordName("a b.example.com")).toBe("a\\040b.example.com");
  });

  it("refuse a character no DNS name can hold, shown escaped when it would not print", () => {
    expect(() => normalizedRecordName("dev\u202Emoc.example.com")).toThrow(
      new Error(
        '"dev\\u202Emoc.example.com" holds the invisible or non-ASCII character \\u202E, which no DNS name can',
      ),
    );
    expect(() => normalizedRecordName("zürich\u200B.example.com")).toThrow(
      new Error(
        '"zürich\\u200B.example.com" holds the invisible or non-ASCII character \\u200B, which no DNS name can',
      ),
    );
  });

  it("cover each domain once, however often and in whatever case it is listed", () => {
    expect(recordNamePatterns(["example.com", "EXAMPLE.com."])).toEqual([
      "example.com",
      "*.example.com",
      "a-example.com",
      "aaaa-example.com",
      "cname-example.com",
    ]);
    expect(recordNamePatterns([])).toEqual([]);
  });
});

describe("oidcIssuerOf", () => {
  it("reads the issuer from an EKS cluster's identities, and nothing from a cluster without one", () => {
    expect(oidcIssuerOf([{ oidcs: [{ issuer: FAKE.oidcIssuer }] }])).toBe(FAKE.oidcIssuer);
    expect(oidcIssuerOf([])).toBeUndefined();
    expect(oidcIssuerOf([{ oidcs: [] }])).toBeUndefined();
    expect(oidcIssuerOf([{ oidcs: [{ issuer: "" }] }])).toBeUndefined();
  });
});

describe("externalDnsArgs", () => {
  const base = {
    txtOwnerId: "prod-eks",
    policy: "sync" as const,
    domainFilters: [] as string[],
    hostedZoneIds: [] as string[],
    legacyAnnotations: false,
  };
  const FIXED = ["--provider=aws", "--source=service", "--source=ingress", "--registry=txt"];

  it("names the owner and policy, with no filter flags when nothing is filtered", () => {
    expect(externalDnsArgs(base)).toEqual([...FIXED, "--txt-owner-id=prod-eks", "--policy=sync"]);
  });

  it("passes one filter flag per domain and zone, then the annotation options", () => {
    expect(
      externalDnsArgs({
        ...base,
        domainFilters: ["example.com", "api.example.com"],
        hostedZoneIds: ZONES,
        annotationPrefix: "dns.example.com/",
        legacyAnnotations: true,
      }),
    ).toEqual([
      ...FIXED,
      "--txt-owner-id=prod-eks",
      "--policy=sync",
      "--domain-filter=example.com",
      "--domain-filter=api.example.com",
      "--zone-id-filter=Z0123456789ABCDEFGHIJ",
      "--zone-id-filter=Z0SECOND0ZONE0000001",
      "--annotation-prefix=dns.example.com/",
      "--enable-legacy-annotation-prefix",
    ]);
  });
});

describe("External DNS's cluster objects", () => {
  it("are a labelled namespace and a ServiceAccount that names the role only for IRSA", () => {
    expect(externalDnsNamespace("external-dns", NO_ROLE)).toEqual({
      metadata: { name: "external-dns", labels: LABELS, annotations: NO_ROLE },
    });
    const serviceAccount = (identity: "irsa" | "pod-identity" | "kube2iam") =>
      externalDnsServiceAccount({ namespace: "external-dns", identity, roleArn: ROLE_ARN });
    expect(serviceAccount("irsa")).toEqual({
      metadata: {
        name: "external-dns",
        namespace: "external-dns",
        labels: LABELS,
        annotations: { "eks.amazonaws.com/role-arn": ROLE_ARN },
      },
      automountServiceAccountToken: true,
    });
    expect(serviceAccount("pod-identity").metadata.annotations).toEqual({});
    expect(serviceAccount("kube2iam").metadata.annotations).toEqual({});
  });

  it("let a namespace's pods get exactly one role from kube2iam or kiam, or none", () => {
    expect(onlyRoleAnnotations("arn:aws:iam::123456789012:role/dns.v2+x")).toEqual({
      "iam.amazonaws.com/allowed-roles": '["arn:aws:iam::123456789012:role/dns.v2+x"]',
      "iam.amazonaws.com/permitted": "^arn:aws:iam::123456789012:role/dns\\.v2\\+x$",
    });
    expect(NO_ROLE_ANNOTATIONS).toEqual(NO_ROLE);
  });

  it("match the role's ARN and nothing near it, as kiam's expression", () => {
    const arn = "arn:aws:iam::123456789012:role/dns.v2+x";
    const permitted = new RegExp(onlyRoleAnnotations(arn)["iam.amazonaws.com/permitted"] ?? "");
    expect(permitted.test(arn)).toBe(true);
    for (const near of [`${arn}-2`, "arn:aws:iam::123456789012:role/dnsXv2+x", `x${arn}`]) {
      expect(permitted.test(near), near).toBe(false);
    }
    expect(new RegExp(NO_ROLE["iam.amazonaws.com/permitted"]).test(arn)).toBe(false);
  });

  it("grant read access to the sources and nodes, and nothing else, to the ServiceAccount", () => {
    expect(externalDnsClusterRole()).toEqual({
      metadata: { name: "k8s-flux:external-dns", labels: LABELS },
      rules: [
        {
          apiGroups: [""],
          resources: ["services", "endpoints", "pods"],
          verbs: ["get", "watch", "list"],
        },
        {
          apiGroups: ["discovery.k8s.io"],
          resources: ["endpointslices"],
          verbs: ["get", "watch", "list"],
        },
        {
          apiGroups: ["extensions", "networking.k8s.io"],
          resources: ["ingresses"],
          verbs: ["get", "watch", "list"],
        },
        { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
      ],
    });
    expect(
      externalDnsClusterRoleBinding({
        roleName: "k8s-flux:external-dns",
        serviceAccount: { name: "external-dns", namespace: "dns-system" },
      }),
    ).toEqual({
      metadata: { name: "k8s-flux:external-dns", labels: LABELS },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "k8s-flux:external-dns",
      },
      subjects: [{ kind: "ServiceAccount", name: "external-dns", namespace: "dns-system" }],
    });
  });

  const deployment = (
    identity: "irsa" | "pod-identity" | "kube2iam",
    waitForReadiness = true,
    region?: string,
  ) =>
    externalDnsDeployment({
      namespace: "external-dns",
      serviceAccountName: "external-dns",
      identity,
      roleArn: ROLE_ARN,
      args: ["--provider=aws"],
      ...(region === undefined ? {} : { region }),
      waitForReadiness,
    });

  it("run the pinned image as the ServiceAccount, one replica, never two at once", () => {
    const { metadata, spec } = deployment("irsa");
    expect(metadata).toEqual({ name: "external-dns", namespace: "external-dns", labels: LABELS });
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: "Recreate" });
    expect(spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "external-dns" } });
    expect(spec.template.metadata.labels).toEqual(LABELS);
    expect(spec.template.spec.serviceAccountName).toBe("external-dns");
    expect(spec.template.spec.containers).toEqual([
      {
        name: "external-dns",
        image: versions.externalDnsImage,
        args: ["--provider=aws"],
        ports: [{ name: "http", containerPort: 7979, protocol: "TCP" }],
        livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
        readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        },
        resources: {
          requests: { cpu: "50m", memory: "64Mi" },
          limits: { cpu: "200m", memory: "128Mi" },
        },
      },
    ]);
    expect(spec.template.spec.securityContext).toEqual({
      runAsNonRoot: true,
      fsGroup: 65534,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("name the role on the pod for kube2iam only, and skip waiting only when asked", () => {
    expect(deployment("kube2iam").spec.template.metadata.annotations).toEqual({
      "iam.amazonaws.com/role": ROLE_ARN,
    });
    expect(deployment("irsa").spec.template.metadata.annotations).toEqual({});
    expect(deployment("pod-identity").spec.template.metadata.annotations).toEqual({});
    expect(deployment("irsa", false).metadata.annotations).toEqual({
      "pulumi.com/skipAwait": "true",
    });
  });

  it("give the SDK its region in both variables it reads, when the region is known", () => {
    expect(deployment("kube2iam", true, "eu-west-1").spec.template.spec.containers[0]?.env).toEqual(
      [
        { name: "AWS_REGION", value: "eu-west-1" },
        { name: "AWS_DEFAULT_REGION", value: "eu-west-1" },
      ],
    );
    expect(deployment("irsa").spec.template.spec.containers[0]).not.toHaveProperty("env");
  });
});

describe("roleTrust", () => {
  it("trusts what each identity mode needs", () => {
    expect(roleTrust(IRSA_GIVEN, undefined)).toEqual({
      trust: { principal: "OIDC provider", oidcProviderArn: GIVEN_OIDC_ARN },
    });
    expect(roleTrust(IRSA_LOOKUP, undefined)).toEqual({
      trust: { principal: "OIDC provider of the cluster", eksClusterName: "dev-eks-eu" },
    });
    expect(roleTrust(POD_IDENTITY, undefined)).toEqual({
      trust: { principal: "pod identity", eksClusterName: "dev-eks-eu" },
    });
    expect(roleTrust(KUBE2IAM, undefined)).toEqual({
      trust: { principal: "node role", nodeRoleArn: NODE_ROLE_ARN },
    });
  });

  it("writes no trust for a role managed elsewhere, whatever the mode needs otherwise", () => {
    for (const identity of [{ mode: "irsa" }, { mode: "kube2iam" }] as const) {
      expect(roleTrust(identity, MANAGED_ROLE_ARN)).toEqual({
        trust: { principal: "managed elsewhere", roleArn: MANAGED_ROLE_ARN },
      });
    }
  });

  it("names the argument each mode is missing, and the ones that would do instead", () => {
    expect(roleTrust({ mode: "irsa" }, undefined)).toEqual({
      argument: "identity.eksClusterName",
      problem:
        "is required with identity mode irsa unless identity.oidcProviderArn or roleArn is given; expected the EKS cluster's name, to look up its OIDC provider",
    });
    expect(roleTrust({ mode: "kube2iam" }, undefined)).toEqual({
      argument: "identity.nodeRoleArn",
      problem:
        "is required with identity mode kube2iam unless roleArn is given; expected the ARN of the role kube2iam runs as on the nodes, which the role made here must trust",
    });
  });

  it("refuses malformed ARNs given as text, naming the argument", () => {
    expect(roleTrust({ mode: "irsa", oidcProviderArn: GIVEN_ISSUER }, undefined)).toEqual({
      argument: "identity.oidcProviderArn",
      problem: `"${GIVEN_ISSUER}" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`,
    });
    expect(roleTrust({ mode: "kube2iam", nodeRoleArn: "eks-nodes" }, undefined)).toMatchObject({
      argument: "identity.nodeRoleArn",
    });
    expect(roleTrust(IRSA_LOOKUP, "external-dns")).toEqual({
      argument: "roleArn",
      problem: '"external-dns" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>',
    });
  });

  it("leaves ARNs that come from other resources to be checked once known", () => {
    const arn = pulumi.output(GIVEN_OIDC_ARN);
    expect(roleTrust({ mode: "irsa", oidcProviderArn: arn }, undefined)).toEqual({
      trust: { principal: "OIDC provider", oidcProviderArn: arn },
    });
  });
});

interface Built {
  run: MockRun;
  dns: ExternalDnsClass;
  warn: MockInstance<typeof pulumi.log.warn>;
}

/** Replaces the mocked answer to one invoke, keeping the harness's record of the call. */
function answerInvoke(token: string, result: Record<string, unknown>): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
  const call = monitor.mocks.call.bind(monitor.mocks);
  monitor.mocks.call = (args) => {
    const answer = call(args);
    return args.token === token ? result : answer;
  };
}

/** Captures the component's warnings, so they are asserted and never printed. */
function captureWarnings(): MockInstance<typeof pulumi.log.warn> {
  vi.restoreAllMocks();
  return vi.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
}

/** Fresh mocks, then an ExternalDns with `overrides` on top of scoped dev-like args. */
async function build(overrides: Partial<ExternalDnsArgs> = {}, partition?: string): Promise<Built> {
  const run = await startMockRun("test");
  if (partition !== undefined) {
    answerInvoke(INVOKES.partition, { partition, dnsSuffix: "amazonaws.com.cn", id: partition });
  }
  const warn = captureWarnings();
  const { ExternalDns } = await import("../components/externalDns");
  const dns = new ExternalDns(NAME, {
    txtOwnerId: "dev-eks",
    domainFilters: ["dev.example.com"],
    hostedZoneIds: [ZONES[0] as string],
    identity: IRSA_GIVEN,
    ...overrides,
  });
  await run.settle();
  return { run, dns, warn };
}

/** The message the component refuses these args with, and what it created before refusing. */
async function refusal(args: ExternalDnsArgs): Promise<{ message: string; run: MockRun }> {
  const run = await startMockRun("test");
  captureWarnings();
  const { ExternalDns } = await import("../components/externalDns");
  const message = await thrownMessage(() => new ExternalDns(NAME, args));
  await run.settle();
  return { message, run };
}

const routePolicyOf = (run: MockRun) =>
  JSON.parse(run.one(TYPES.rolePolicy, `${NAME}-route53`).inputs["policy"] as string);
const trustOf = (run: MockRun) =>
  JSON.parse(run.one(TYPES.role, `${NAME}-role`).inputs["assumeRolePolicy"] as string);
const deploymentOf = (run: MockRun): Recorded => run.one(TYPES.deployment, `${NAME}-deployment`);
const podTemplateOf = (run: MockRun) => deploymentOf(run).inputs["spec"].template;
const containerOf = (run: MockRun) => podTemplateOf(run).spec.containers[0];
const serviceAccountOf = (run: MockRun): Recorded =>
  run.one(TYPES.serviceAccount, `${NAME}-serviceaccount`);
const tokens = (run: MockRun): string[] => run.invocations.map((i) => i.token).sort();
const irsaStatement = (providerArn: string, issuer: string, namespace = "external-dns") => ({
  Effect: "Allow",
  Principal: { Federated: providerArn },
  Action: "sts:AssumeRoleWithWebIdentity",
  Condition: {
    StringEquals: {
      [`${issuer}:sub`]: `system:serviceaccount:${namespace}:external-dns`,
      [`${issuer}:aud`]: "sts.amazonaws.com",
    },
  },
});

describe("the IAM role", () => {
  it("gets the Route53 policy for the given zones and domains, inline, and warns of nothing", async () => {
    const { run, warn } = await build({ hostedZoneIds: ZONES });
    expect(routePolicyOf(run)).toEqual(
      route53Policy({ partition: "aws", zones: ZONES, domainFilters: ["dev.example.com"] }),
    );
    const rolePolicy = run.one(TYPES.rolePolicy, `${NAME}-route53`);
    expect(rolePolicy.inputs["role"]).toBe(ROLE_NAME);
    expect(rolePolicy.dependencies).toEqual([run.one(TYPES.role, `${NAME}-role`).urn]);
    expect(run.ofType(TYPES.rolePolicy)).toHaveLength(1);
    expect(warn).not.toHaveBeenCalled();
  });

  it("may change every zone when told so with allZones, and with no zone filter", async () => {
    const { run, warn } = await build({ hostedZoneIds: undefined, allZones: true });
    expect(routePolicyOf(run)).toEqual(
      route53Policy({ partition: "aws", zones: "every zone", domainFilters: ["dev.example.com"] }),
    );
    expect(containerOf(run).args.filter((arg: string) => arg.startsWith("--zone-id"))).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("is refused with no zones and no allZones, and with both, before creating any child", async () => {
    const noZones = await refusal({
      txtOwnerId: "dev-eks",
      identity: IRSA_GIVEN,
      hostedZoneIds: [],
    });
    expect(noZones.message).toBe(
      `ExternalDns ${NAME}: hostedZoneIds is empty, which would let External DNS change records in every Route53 hosted zone of the account; expected the ids of the zones it may change, or allZones: true when every zone is intended`,
    );
    expect(noZones.run.resources.map((r) => r.type)).toEqual([TYPES.component]);
    const both = await refusal({
      txtOwnerId: "dev-eks",
      identity: IRSA_GIVEN,
      hostedZoneIds: ZONES,
      allZones: true,
    });
    expect(both.message).toBe(
      `ExternalDns ${NAME}: allZones is true, but hostedZoneIds lists zones; expected one or the other`,
    );
    expect(both.run.resources.map((r) => r.type)).toEqual([TYPES.component]);
  });

  it("takes the partition from the provider, for the China and GovCloud regions", async () => {
    for (const partition of ["aws-cn", "aws-us-gov"]) {
      const { run } = await build({ hostedZoneIds: ZONES }, partition);
      expect(run.invocations.filter((i) => i.token === INVOKES.partition)).toHaveLength(1);
      expect(routePolicyOf(run)).toEqual(
        route53Policy({ partition, zones: ZONES, domainFilters: ["dev.example.com"] }),
      );
    }
  });

  it("is described and tagged with the cluster, and exported as roleArn", async () => {
    const { run, dns } = await build();
    const role = run.one(TYPES.role, `${NAME}-role`);
    expect(role.inputs["description"]).toBe(
      "External DNS for cluster dev-eks (managed by k8s-flux)",
    );
    expect(role.inputs["tags"]).toEqual({
      "k8s-flux/cluster": "dev-eks",
      "k8s-flux/component": "external-dns",
    });
    expect(run.ofType(TYPES.role)).toHaveLength(1);
    expect(await valueOf(dns.roleArn)).toBe(ROLE_ARN);
  });

  it("takes the cluster name and zone ids from other resources' outputs", async () => {
    const { run } = await build({
      txtOwnerId: pulumi.output("dev-eks-from-output"),
      hostedZoneIds: [pulumi.output("ZFROMOUTPUT")],
    });
    expect(run.one(TYPES.role, `${NAME}-role`).inputs["tags"]["k8s-flux/cluster"]).toBe(
      "dev-eks-from-output",
    );
    expect(routePolicyOf(run)).toEqual(
      route53Policy({
        partition: "aws",
        zones: ["ZFROMOUTPUT"],
        domainFilters: ["dev.example.com"],
      }),
    );
    expect(containerOf(run).args).toEqual(
      externalDnsArgs({
        txtOwnerId: "dev-eks-from-output",
        policy: "upsert-only",
        domainFilters: ["dev.example.com"],
        hostedZoneIds: ["ZFROMOUTPUT"],
        legacyAnnotations: false,
      }),
    );
  });
});

describe("identity irsa with a given OIDC provider ARN", () => {
  it("trusts that provider for the ServiceAccount's token, with no lookup", async () => {
    const { run } = await build({ identity: IRSA_GIVEN });
    expect(trustOf(run)).toEqual({
      Version: "2012-10-17",
      Statement: [irsaStatement(GIVEN_OIDC_ARN, GIVEN_ISSUER)],
    });
    expect(tokens(run)).toEqual([INVOKES.partition]);
  });

  it("annotates the ServiceAccount with the role, and creates no pod identity association", async () => {
    const { run } = await build({ identity: IRSA_GIVEN });
    expect(serviceAccountOf(run).inputs["metadata"].annotations).toEqual({
      "eks.amazonaws.com/role-arn": ROLE_ARN,
    });
    expect(podTemplateOf(run).metadata.annotations).toEqual({});
    expect(run.ofType(TYPES.podIdentity)).toEqual([]);
  });

  it("refuses a malformed provider ARN before creating any child", async () => {
    const { message, run } = await refusal({
      txtOwnerId: "dev-eks",
      identity: { mode: "irsa", eksClusterName: "dev-eks", oidcProviderArn: GIVEN_ISSUER },
    });
    expect(message).toBe(
      `ExternalDns ${NAME}: identity.oidcProviderArn "${GIVEN_ISSUER}" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`,
    );
    expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
    expect(run.invocations).toEqual([]);
  });
});

describe("identity irsa with the OIDC provider looked up", () => {
  it("looks up the EKS cluster by eksClusterName, then the provider by its issuer", async () => {
    const { run } = await build({ identity: IRSA_LOOKUP });
    expect(run.invocations.filter((i) => i.token === INVOKES.cluster)).toEqual([
      { token: INVOKES.cluster, inputs: { name: "dev-eks-eu" } },
    ]);
    expect(run.invocations.filter((i) => i.token === INVOKES.oidcProvider)).toEqual([
      { token: INVOKES.oidcProvider, inputs: { url: FAKE.oidcIssuer } },
    ]);
    expect(tokens(run)).toEqual([INVOKES.cluster, INVOKES.oidcProvider, INVOKES.partition]);
  });

  it("trusts the looked-up provider, keyed by the issuer without https://", async () => {
    const { run } = await build({ identity: IRSA_LOOKUP });
    const issuer = FAKE.oidcIssuer.replace("https://", "");
    expect(trustOf(run)).toEqual({
      Version: "2012-10-17",
      Statement: [irsaStatement(FAKE.oidcProviderArn, issuer)],
    });
    expect(run.ofType(TYPES.podIdentity)).toEqual([]);
  });

  it("refuses irsa with neither a provider ARN nor a cluster to look it up in", async () => {
    const { message, run } = await refusal({ txtOwnerId: "dev-eks" });
    expect(message).toBe(
      `ExternalDns ${NAME}: identity.eksClusterName is required with identity mode irsa unless identity.oidcProviderArn or roleArn is given; expected the EKS cluster's name, to look up its OIDC provider`,
    );
    expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
  });
});

describe("identity pod-identity", () => {
  it("trusts the EKS Pod Identity service for the looked-up cluster and its ServiceAccount only", async () => {
    const clusterArn = "arn:aws:eks:eu-central-1:123456789012:cluster/dev-eks-eu";
    const run = await startMockRun("test");
    answerInvoke(INVOKES.cluster, { arn: clusterArn, identities: [] });
    captureWarnings();
    const { ExternalDns } = await import("../components/externalDns");
    new ExternalDns(NAME, {
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      identity: POD_IDENTITY,
      namespace: "dns-system",
    });
    await run.settle();
    expect(trustOf(run)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:SourceAccount": "123456789012",
              "aws:RequestTag/eks-cluster-arn": clusterArn,
              "aws:RequestTag/kubernetes-namespace": "dns-system",
              "aws:RequestTag/kubernetes-service-account": "external-dns",
            },
            ArnLike: {
              "aws:SourceArn": [
                clusterArn,
                "arn:aws:eks:eu-central-1:123456789012:podidentityassociation/dev-eks-eu/*",
              ],
            },
          },
        },
      ],
    });
    expect(run.invocations.filter((i) => i.token === INVOKES.cluster)).toEqual([
      { token: INVOKES.cluster, inputs: { name: "dev-eks-eu" } },
    ]);
    expect(tokens(run)).toEqual([INVOKES.cluster, INVOKES.partition]);
  });

  it("associates the role with the ServiceAccount on the named cluster, before the controller starts", async () => {
    const { run } = await build({ identity: POD_IDENTITY });
    const association = run.one(TYPES.podIdentity, `${NAME}-pod-identity`);
    expect(association.inputs).toEqual({
      clusterName: "dev-eks-eu",
      namespace: "external-dns",
      serviceAccount: "external-dns",
      roleArn: ROLE_ARN,
    });
    expect(run.ofType(TYPES.podIdentity)).toHaveLength(1);
    expect(deploymentOf(run).dependencies).toContain(association.urn);
  });

  it("leaves the role off the ServiceAccount and the pod", async () => {
    const { run } = await build({ identity: POD_IDENTITY });
    expect(serviceAccountOf(run).inputs["metadata"].annotations).toEqual({});
    expect(podTemplateOf(run).metadata.annotations).toEqual({});
  });
});

describe("identity kube2iam", () => {
  it("trusts the node role to assume the role", async () => {
    const { run } = await build({ identity: KUBE2IAM, region: "eu-west-1" });
    expect(trustOf(run)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: NODE_ROLE_ARN }, Action: "sts:AssumeRole" }],
    });
    expect(tokens(run)).toEqual([INVOKES.partition]);
  });

  it("names the role on the pod template only", async () => {
    const { run } = await build({ identity: KUBE2IAM, region: "eu-west-1" });
    expect(podTemplateOf(run).metadata.annotations).toEqual({ "iam.amazonaws.com/role": ROLE_ARN });
    expect(serviceAccountOf(run).inputs["metadata"].annotations).toEqual({});
    expect(run.ofType(TYPES.podIdentity)).toEqual([]);
  });

  it("permits exactly its role in its namespace, to kube2iam and to kiam", async () => {
    const { run } = await build({ identity: KUBE2IAM, region: "eu-west-1" });
    expect(run.one(TYPES.namespace, `${NAME}-namespace`).inputs["metadata"].annotations).toEqual({
      "iam.amazonaws.com/allowed-roles": JSON.stringify([ROLE_ARN]),
      "iam.amazonaws.com/permitted": `^${ROLE_ARN}$`,
    });
  });

  it("gives the controller the region, which kube2iam does not", async () => {
    const { run } = await build({ identity: KUBE2IAM, region: "ap-southeast-2" });
    expect(containerOf(run).env).toEqual([
      { name: "AWS_REGION", value: "ap-southeast-2" },
      { name: "AWS_DEFAULT_REGION", value: "ap-southeast-2" },
    ]);
  });

  it("refuses to run without a region, before creating any child", async () => {
    const { message, run } = await refusal({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      identity: KUBE2IAM,
    });
    expect(message).toBe(
      `ExternalDns ${NAME}: region is required with identity mode kube2iam, which gives the pod no AWS region, and External DNS has no region flag; expected the region of the cluster, such as eu-west-1`,
    );
    expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
  });

  it("refuses a node role that is not a role ARN before creating any child", async () => {
    const { message, run } = await refusal({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      identity: { mode: "kube2iam", nodeRoleArn: "eks-nodes" },
    });
    expect(message).toBe(
      `ExternalDns ${NAME}: identity.nodeRoleArn "eks-nodes" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>, the role kube2iam runs as on the nodes`,
    );
    expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
  });
});

describe("a role managed elsewhere", () => {
  it("makes no role, policy or lookup, and runs as the given role", async () => {
    const { run, dns, warn } = await build({
      identity: { mode: "irsa" },
      roleArn: MANAGED_ROLE_ARN,
      hostedZoneIds: [],
      allZones: true,
    });
    expect(run.ofType(TYPES.role)).toEqual([]);
    expect(run.ofType(TYPES.rolePolicy)).toEqual([]);
    expect(run.invocations).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    expect(await valueOf(dns.roleArn)).toBe(MANAGED_ROLE_ARN);
    expect(serviceAccountOf(run).inputs["metadata"].annotations).toEqual({
      "eks.amazonaws.com/role-arn": MANAGED_ROLE_ARN,
    });
  });

  it("is refused when its ARN is not a role ARN", async () => {
    const { message } = await refusal({ txtOwnerId: "dev-eks", roleArn: "external-dns" });
    expect(message).toBe(
      `ExternalDns ${NAME}: roleArn "external-dns" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>`,
    );
  });
});

describe("the cluster side", () => {
  it("creates the namespace, where no pod gets a role from kube2iam, and exposes it once it exists", async () => {
    const { run, dns } = await build();
    expect(run.one(TYPES.namespace, `${NAME}-namespace`).inputs).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      ...ownedByThisStack(externalDnsNamespace("external-dns", NO_ROLE)),
    });
    expect(await valueOf(dns.namespace)).toBe("external-dns");
    expect(serviceAccountOf(run).dependencies).toContain(
      run.one(TYPES.namespace, `${NAME}-namespace`).urn,
    );
  });

  it("binds the ClusterRole it created to the ServiceAccount it created", async () => {
    const { run } = await build();
    const binding = run.one(TYPES.clusterRoleBinding, `${NAME}-clusterrolebinding`);
    expect(binding.inputs["subjects"]).toEqual([
      { kind: "ServiceAccount", name: "external-dns", namespace: "external-dns" },
    ]);
    expect(binding.dependencies).toContain(run.one(TYPES.clusterRole, `${NAME}-clusterrole`).urn);
    expect(binding.dependencies).toContain(serviceAccountOf(run).urn);
  });

  it("runs the controller with the settings given, and the defaults for the rest", async () => {
    const given = await build({
      txtOwnerId: "prod-eks",
      policy: "sync",
      domainFilters: ["example.com"],
      hostedZoneIds: ZONES,
      annotationPrefix: "dns.example.com/",
      legacyAnnotations: true,
    });
    expect(containerOf(given.run).args).toEqual(
      externalDnsArgs({
        txtOwnerId: "prod-eks",
        policy: "sync",
        domainFilters: ["example.com"],
        hostedZoneIds: ZONES,
        annotationPrefix: "dns.example.com/",
        legacyAnnotations: true,
      }),
    );
    const defaults = await build({
      domainFilters: undefined,
      hostedZoneIds: undefined,
      allZones: true,
    });
    expect(containerOf(defaults.run).args).toEqual(
      externalDnsArgs({
        txtOwnerId: "dev-eks",
        policy: "upsert-only",
        domainFilters: [],
        hostedZoneIds: [],
        legacyAnnotations: false,
      }),
    );
  });

  it("starts the controller after its RBAC binding and its Route53 policy", async () => {
    const { run } = await build();
    const dependencies = deploymentOf(run).dependencies;
    expect(dependencies).toContain(
      run.one(TYPES.clusterRoleBinding, `${NAME}-clusterrolebinding`).urn,
    );
    expect(dependencies).toContain(run.one(TYPES.rolePolicy, `${NAME}-route53`).urn);
    expect(dependencies).toContain(serviceAccountOf(run).urn);
  });

  it("waits for the controller by default, and not when told not to", async () => {
    expect(deploymentOf((await build()).run).inputs["metadata"].annotations).toBeUndefined();
    const { run } = await build({ waitForReadiness: false });
    expect(deploymentOf(run).inputs["metadata"].annotations).toEqual({
      "pulumi.com/skipAwait": "true",
    });
  });

  it("puts every namespaced object and the trust subject in a namespace given in args", async () => {
    const { run, dns } = await build({ namespace: "dns-system" });
    expect(await valueOf(dns.namespace)).toBe("dns-system");
    expect(run.one(TYPES.namespace, `${NAME}-namespace`).inputs["metadata"].name).toBe(
      "dns-system",
    );
    expect(serviceAccountOf(run).inputs["metadata"].namespace).toBe("dns-system");
    expect(deploymentOf(run).inputs["metadata"].namespace).toBe("dns-system");
    expect(
      run.one(TYPES.clusterRoleBinding, `${NAME}-clusterrolebinding`).inputs["subjects"],
    ).toEqual([{ kind: "ServiceAccount", name: "external-dns", namespace: "dns-system" }]);
    expect(trustOf(run).Statement).toEqual([
      irsaStatement(GIVEN_OIDC_ARN, GIVEN_ISSUER, "dns-system"),
    ]);
  });
});

/**
 * The errors a run reports once the component's Outputs resolve, as `pulumi up` reports them:
 * the language host listens for unhandled rejections, and so does this, in place of vitest.
 */
async function refusedOnceKnown(args: ExternalDnsArgs): Promise<{ errors: Error[]; run: MockRun }> {
  const run = await startMockRun("test");
  captureWarnings();
  const { ExternalDns } = await import("../components/externalDns");
  const reporters = process.listeners("unhandledRejection");
  const errors: Error[] = [];
  const collect = (reason: unknown) => void errors.push(reason as Error);
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", collect);
  try {
    new ExternalDns(NAME, args);
    await run.settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off("unhandledRejection", collect);
    for (const reporter of reporters) process.on("unhandledRejection", reporter);
  }
  return { errors, run };
}

describe("arguments that come from other resources", () => {
  const expectRefusal = (errors: Error[], argumentAndProblem: string) => {
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toBeInstanceOf(pulumi.ResourceError);
      // Pulumi names each property the value was nested in, outermost first.
      expect(error.message).toMatch(/^error serializing property "[A-Za-z]+": /);
      expect(error.message.replace(/^(error serializing property "[A-Za-z]+": )+/, "")).toBe(
        `ExternalDns ${NAME}: ${argumentAndProblem}`,
      );
    }
  };

  it("refuse a node role that is no role ARN once known, and make no role", async () => {
    const { errors, run } = await refusedOnceKnown({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      region: "eu-west-1",
      identity: { mode: "kube2iam", nodeRoleArn: pulumi.output("eks-nodes") },
    });
    expectRefusal(
      errors,
      'identity.nodeRoleArn "eks-nodes" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>, the role kube2iam runs as on the nodes',
    );
    expect(run.ofType(TYPES.role)).toEqual([]);
    expect(run.ofType(TYPES.deployment)).toEqual([]);
  });

  it("refuse an OIDC provider that is no provider ARN once known, and make no role", async () => {
    const { errors, run } = await refusedOnceKnown({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      identity: {
        mode: "irsa",
        oidcProviderArn: pulumi.output("oidc.eks.eu-west-1.amazonaws.com"),
      },
    });
    expectRefusal(
      errors,
      'identity.oidcProviderArn "oidc.eks.eu-west-1.amazonaws.com" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>',
    );
    expect(run.ofType(TYPES.role)).toEqual([]);
    expect(run.ofType(TYPES.deployment)).toEqual([]);
  });

  it("refuse a role managed elsewhere that is no role ARN once known, and start no controller", async () => {
    const { errors, run } = await refusedOnceKnown({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      identity: { mode: "irsa" },
      roleArn: pulumi.output("external-dns"),
    });
    expectRefusal(
      errors,
      'roleArn "external-dns" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>',
    );
    expect(run.ofType(TYPES.serviceAccount)).toEqual([]);
    expect(run.ofType(TYPES.deployment)).toEqual([]);
  });

  it("refuse a domain filter that is no DNS name once known, before it reaches IAM or the controller", async () => {
    const { errors, run } = await refusedOnceKnown({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      domainFilters: ["dev.example.com", pulumi.output("d\u00e9v.example.com")],
      identity: IRSA_GIVEN,
    });
    expectRefusal(
      errors,
      'domainFilters[1] "d\u00e9v.example.com" is not a DNS domain name; expected a domain such as dev.example.com',
    );
    expect(run.ofType(TYPES.rolePolicy)).toEqual([]);
    expect(run.ofType(TYPES.deployment)).toEqual([]);
  });
});

describe("domain filters given as text", () => {
  it.each([
    [
      "d\u00e9v.example.com",
      '"d\u00e9v.example.com" is not a DNS domain name; expected a domain such as dev.example.com',
    ],
    [
      "*.example.com",
      '"*.example.com" is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as "example.com", which also covers its subdomains',
    ],
    [
      "dev example.com",
      '"dev example.com" is not a DNS domain name; expected a domain such as dev.example.com',
    ],
  ])("refuse %j before creating any child", async (filter, problem) => {
    const { message, run } = await refusal({
      txtOwnerId: "dev-eks",
      hostedZoneIds: ZONES,
      domainFilters: ["dev.example.com", filter],
      identity: IRSA_GIVEN,
    });
    expect(message).toBe(`ExternalDns ${NAME}: domainFilters[1] ${problem}`);
    expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
  });
});

describe("the component", () => {
  it("parents every child to itself, each named from the component's name", async () => {
    const { run } = await build();
    const component = run.one(TYPES.component, NAME);
    expect(component.parent).toBe("");
    const children = run.resources.filter((r) => r.urn !== component.urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${TYPES.role} ${NAME}-role`,
        `${TYPES.rolePolicy} ${NAME}-route53`,
        `${TYPES.namespace} ${NAME}-namespace`,
        `${TYPES.serviceAccount} ${NAME}-serviceaccount`,
        `${TYPES.clusterRole} ${NAME}-clusterrole`,
        `${TYPES.clusterRoleBinding} ${NAME}-clusterrolebinding`,
        `${TYPES.deployment} ${NAME}-deployment`,
      ].sort(),
    );
    for (const child of children) {
      expect(child.parent, `${child.type} ${child.name}`).toBe(component.urn);
    }
  });

  it("parents the pod identity association to itself too", async () => {
    const { run } = await build({ identity: POD_IDENTITY });
    const component = run.one(TYPES.component, NAME);
    expect(run.one(TYPES.podIdentity, `${NAME}-pod-identity`).parent).toBe(component.urn);
    expect(run.resources.filter((r) => r.parent !== component.urn).map((r) => r.name)).toEqual([
      NAME,
    ]);
  });
});

describe("the stack settings for External DNS", () => {
  const { externalDns: _scoped, ...UNSCOPED } = MINIMAL;
  void _scoped;
  const NO_ZONES =
    "k8s-flux:externalDns.hostedZoneIds: is empty, which would let External DNS change records in every Route53 hosted zone of the account; expected the ids of the zones it may change, such as [Z0123456789ABCDEFGHIJ], or k8s-flux:externalDns.allZones set to true when every zone is intended";
  const NO_REGION =
    'aws:region: is required when k8s-flux:externalDns.identity is kube2iam: kube2iam gives the pod no AWS region, and External DNS has no region flag; expected the cluster\'s region, set with "pulumi config set aws:region <region>"';
  const KUBE2IAM_SECTION = {
    identity: "kube2iam",
    nodeRoleArn: NODE_ROLE_ARN,
    hostedZoneIds: [ZONE],
  };

  it("refuse External DNS on every zone unless allZones says so, naming both keys", () => {
    expect(problemsOf(UNSCOPED)).toEqual([NO_ZONES]);
    expect(
      problemsOf({ ...UNSCOPED, externalDns: { hostedZoneIds: [], allZones: false } }),
    ).toEqual([NO_ZONES]);
    expect(validate({ ...UNSCOPED, externalDns: { allZones: true } }).externalDns).toMatchObject({
      hostedZoneIds: [],
      allZones: true,
    });
    expect(validate({ ...UNSCOPED, externalDns: { enabled: false } }).externalDns).toBeUndefined();
  });

  it("refuse allZones next to listed zones", () => {
    expect(
      problemsOf({ ...UNSCOPED, externalDns: { hostedZoneIds: [ZONE], allZones: true } }),
    ).toEqual([
      "k8s-flux:externalDns.allZones: is true, but k8s-flux:externalDns.hostedZoneIds lists zones; expected one or the other",
    ]);
    expect(validate(MINIMAL).externalDns).not.toHaveProperty("allZones");
  });

  it("require aws:region with kube2iam, and hand it to External DNS", () => {
    expect(problemsOf({ ...MINIMAL, externalDns: KUBE2IAM_SECTION })).toEqual([NO_REGION]);
    expect(
      validate({ ...MINIMAL, externalDns: KUBE2IAM_SECTION }, { awsRegion: "eu-west-1" })
        .externalDns?.region,
    ).toBe("eu-west-1");
  });

  it("hand aws:region to External DNS in the other modes too, and nothing when it is unset", () => {
    expect(validate(MINIMAL, { awsRegion: "us-east-2" }).externalDns?.region).toBe("us-east-2");
    expect(validate(MINIMAL).externalDns).not.toHaveProperty("region");
  });
});

describe("the annotation prefix", () => {
  it.each(["dns.acme.io", "-dns.acme.io/", "Dns.Acme.io/", ""])(
    "refuses %j, which no annotation key can start with, before creating any child",
    async (prefix) => {
      const { message, run } = await refusal({
        txtOwnerId: "dev-eks",
        hostedZoneIds: ZONES,
        identity: IRSA_GIVEN,
        annotationPrefix: prefix,
      });
      expect(message).toBe(
        `ExternalDns ${NAME}: annotationPrefix ${JSON.stringify(prefix)} is not an annotation prefix; expected a DNS subdomain in lower case followed by a slash, such as "dns.acme.io/"`,
      );
      expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
    },
  );
});

describe("the annotations that name records", () => {
  it("are hostname and internal-hostname under the default and legacy prefixes, and any given", () => {
    expect(hostnameAnnotationKeys()).toEqual([
      "external-dns.kubernetes.io/hostname",
      "external-dns.kubernetes.io/internal-hostname",
      "external-dns.alpha.kubernetes.io/hostname",
      "external-dns.alpha.kubernetes.io/internal-hostname",
    ]);
    // A prefix given that is one of the two is not checked twice.
    expect(hostnameAnnotationKeys(["dns.acme.io/", "external-dns.kubernetes.io/"])).toEqual([
      "external-dns.kubernetes.io/hostname",
      "external-dns.kubernetes.io/internal-hostname",
      "external-dns.alpha.kubernetes.io/hostname",
      "external-dns.alpha.kubernetes.io/internal-hostname",
      "dns.acme.io/hostname",
      "dns.acme.io/internal-hostname",
    ]);
  });
});
