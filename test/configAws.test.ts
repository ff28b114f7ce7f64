/**
 * The AWS ARNs External DNS is given, checked beyond their shape: the partition of the region
 * (or of the deploying identity), the deploying account unless the stack opts in, and an OIDC
 * provider that is an EKS cluster's. The deploying account comes from sts:GetCallerIdentity,
 * asked only when the program creates AWS resources, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { needsDeployingAccount, regionPartition } from "../stacks/awsAccounts";
import type { DeployingAccount } from "../stacks/settings";
import { MINIMAL, problemsOf, validate, ZONE } from "./configFixtures";
import { attemptStack, FAKE, mockStack, runStack } from "./harness";

const DEPLOYING: DeployingAccount = {
  found: true,
  accountId: "123456789012",
  callerArn: "arn:aws:iam::123456789012:user/deployer",
};
const OTHER_ACCOUNT_ROLE = "arn:aws:iam::210987654321:role/nodes";
const EKS_PROVIDER =
  "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
const kube2iam = (nodeRoleArn: string, extra: Record<string, unknown> = {}) => ({
  ...MINIMAL,
  externalDns: { identity: "kube2iam", nodeRoleArn, hostedZoneIds: [ZONE], ...extra },
});
/** kube2iam needs the region, which only aws:region gives. */
const IN_EU_WEST_1 = { awsRegion: "eu-west-1" };
const irsa = (oidcProviderArn: string) => ({
  ...MINIMAL,
  externalDns: { oidcProviderArn, hostedZoneIds: [ZONE] },
});

describe("the partition of every ARN", () => {
  it.each([
    ["eu-west-1", "arn:aws-cn:iam::123456789012:role/nodes", "aws-cn", "aws"],
    ["us-east-1", "arn:aws-us-gov:iam::123456789012:role/nodes", "aws-us-gov", "aws"],
    ["cn-north-1", "arn:aws:iam::123456789012:role/nodes", "aws", "aws-cn"],
    ["cn-northwest-1", "arn:aws-us-gov:iam::123456789012:role/nodes", "aws-us-gov", "aws-cn"],
    ["us-gov-west-1", "arn:aws:iam::123456789012:role/nodes", "aws", "aws-us-gov"],
  ])("is the region's: aws:region %s refuses %s", (region, arn, partition, expected) => {
    expect(problemsOf(kube2iam(arn), { awsRegion: region })).toEqual([
      `k8s-flux:externalDns.nodeRoleArn: ${JSON.stringify(arn)} is in partition ${partition}, but aws:region ${region} is in partition ${expected}; expected an ARN that starts with arn:${expected}:`,
    ]);
  });

  it("is the deploying identity's when the stack sets no region", () => {
    const arn = "arn:aws-cn:iam::123456789012:role/nodes";
    expect(problemsOf(kube2iam(arn), { deployingAccount: DEPLOYING })).toEqual([
      `k8s-flux:externalDns.nodeRoleArn: ${JSON.stringify(arn)} is in partition aws-cn, but the deploying account is in partition aws; expected an ARN that starts with arn:aws:`,
      `aws:region: is required when k8s-flux:externalDns.identity is kube2iam: kube2iam gives the pod no AWS region, and External DNS has no region flag; expected the cluster's region, set with "pulumi config set aws:region <region>"`,
    ]);
  });

  it("is one this program supports", () => {
    const arn = "arn:aws-iso:iam::123456789012:role/nodes";
    expect(problemsOf(kube2iam(arn), IN_EU_WEST_1)).toEqual([
      `k8s-flux:externalDns.nodeRoleArn: ${JSON.stringify(arn)} is in partition aws-iso, which this program does not support; expected one of aws, aws-cn, aws-us-gov`,
    ]);
  });

  it("is accepted when it matches, in every supported partition", () => {
    for (const [region, partition] of [
      ["eu-central-1", "aws"],
      ["cn-north-1", "aws-cn"],
      ["us-gov-east-1", "aws-us-gov"],
    ] as const) {
      const arn = `arn:${partition}:iam::123456789012:role/nodes`;
      expect(
        validate(kube2iam(arn), { awsRegion: region, deployingAccount: DEPLOYING }).externalDns
          ?.identity,
      ).toEqual({ mode: "kube2iam", nodeRoleArn: arn });
    }
  });

  it("maps regions to partitions, and no partition to isolated or malformed regions", () => {
    expect(regionPartition("ap-southeast-4")).toBe("aws");
    expect(regionPartition("il-central-1")).toBe("aws");
    expect(regionPartition("cn-northwest-1")).toBe("aws-cn");
    expect(regionPartition("us-gov-east-1")).toBe("aws-us-gov");
    expect(regionPartition("us-iso-east-1")).toBeUndefined();
    expect(regionPartition("us-isob-east-1")).toBeUndefined();
    expect(regionPartition("eusc-de-east-1")).toBeUndefined();
    expect(regionPartition("local")).toBeUndefined();
  });
});

describe("aws:region itself", () => {
  const SUPPORTED =
    "a region of partition aws, aws-cn, aws-us-gov, such as eu-west-1, cn-north-1 or us-gov-west-1";

  it.each(["mars-1", "eu-west", "EU-WEST-1", "eu-west-1a", "euwest1", "eu_west_1", "local"])(
    "refuses %s, whose partition cannot be told",
    (region) => {
      expect(problemsOf(MINIMAL, { awsRegion: region })).toEqual([
        `aws:region: ${JSON.stringify(region)} is not an AWS region name, so its partition cannot be told; expected <area>-<direction>-<number>, ${SUPPORTED}`,
      ]);
    },
  );

  it.each([
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
  ])("refuses %s, in a partition this program does not support", (region) => {
    expect(problemsOf(MINIMAL, { awsRegion: region })).toEqual([
      `aws:region: ${JSON.stringify(region)} is in a partition this program does not support (an ISO region or the European Sovereign Cloud); expected ${SUPPORTED}`,
    ]);
  });

  it("is refused beside the ARN problems it does not hide", () => {
    expect(
      problemsOf(kube2iam("arn:aws:iam::123456789012:role/nodes"), { awsRegion: "mars-1" }),
    ).toEqual([
      `aws:region: "mars-1" is not an AWS region name, so its partition cannot be told; expected <area>-<direction>-<number>, ${SUPPORTED}`,
    ]);
  });

  it("is not judged while External DNS, its only reader, is off", () => {
    expect(
      validate({ ...MINIMAL, externalDns: { enabled: false } }, { awsRegion: "mars-1" })
        .externalDns,
    ).toBeUndefined();
  });
});

describe("an OIDC provider in another region than aws:region", () => {
  const IN_US_EAST_1 =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";

  it("is refused: an EKS issuer names its cluster's region, and aws:region is the cluster's", () => {
    expect(problemsOf(irsa(IN_US_EAST_1), IN_EU_WEST_1)).toEqual([
      `k8s-flux:externalDns.oidcProviderArn: ${JSON.stringify(IN_US_EAST_1)} names the issuer of a cluster in us-east-1, but aws:region is eu-west-1, the cluster's region; expected the OIDC provider of the cluster, whose issuer is oidc.eks.eu-west-1.amazonaws.com/id/<id>`,
    ]);
  });

  it("is refused in the other partitions too", () => {
    const arn =
      "arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC";
    expect(problemsOf(irsa(arn), { awsRegion: "cn-northwest-1" })).toEqual([
      `k8s-flux:externalDns.oidcProviderArn: ${JSON.stringify(arn)} names the issuer of a cluster in cn-north-1, but aws:region is cn-northwest-1, the cluster's region; expected the OIDC provider of the cluster, whose issuer is oidc.eks.cn-northwest-1.amazonaws.com.cn/id/<id>`,
    ]);
  });

  it("is accepted in the region of aws:region, and in any region when aws:region is unset", () => {
    expect(validate(irsa(EKS_PROVIDER), IN_EU_WEST_1).externalDns?.identity).toEqual({
      mode: "irsa",
      eksClusterName: "dev-eks",
      oidcProviderArn: EKS_PROVIDER,
    });
    expect(validate(irsa(IN_US_EAST_1)).externalDns?.identity).toEqual({
      mode: "irsa",
      eksClusterName: "dev-eks",
      oidcProviderArn: IN_US_EAST_1,
    });
  });
});

describe("a role in another account than the deploying one", () => {
  const CROSS_ACCOUNT = (field: string, arn: string) =>
    `k8s-flux:externalDns.${field}: ${JSON.stringify(arn)} is in account 210987654321, but this stack deploys to account 123456789012; expected a role in account 123456789012, or k8s-flux:externalDns.allowCrossAccountRole set to true when a role in another account is intended`;

  it("is refused as the kube2iam node role", () => {
    expect(
      problemsOf(kube2iam(OTHER_ACCOUNT_ROLE), { ...IN_EU_WEST_1, deployingAccount: DEPLOYING }),
    ).toEqual([CROSS_ACCOUNT("nodeRoleArn", OTHER_ACCOUNT_ROLE)]);
  });

  it("is refused as the role given for pod identity", () => {
    const roleArn = "arn:aws:iam::210987654321:role/dns";
    expect(
      problemsOf(
        { ...MINIMAL, externalDns: { identity: "pod-identity", roleArn, hostedZoneIds: [ZONE] } },
        { deployingAccount: DEPLOYING },
      ),
    ).toEqual([CROSS_ACCOUNT("roleArn", roleArn)]);
  });

  it("is accepted with allowCrossAccountRole: true", () => {
    const settings = validate(kube2iam(OTHER_ACCOUNT_ROLE, { allowCrossAccountRole: true }), {
      ...IN_EU_WEST_1,
      deployingAccount: DEPLOYING,
    });
    expect(settings.externalDns?.identity).toEqual({
      mode: "kube2iam",
      nodeRoleArn: OTHER_ACCOUNT_ROLE,
    });
  });

  it("is not checked while the deploying account is unknown, as when nothing is created", () => {
    expect(validate(kube2iam(OTHER_ACCOUNT_ROLE), IN_EU_WEST_1).externalDns?.identity).toEqual({
      mode: "kube2iam",
      nodeRoleArn: OTHER_ACCOUNT_ROLE,
    });
  });

  it("is named with the reason when the deploying account could not be looked up", () => {
    expect(
      problemsOf(kube2iam(OTHER_ACCOUNT_ROLE), {
        ...IN_EU_WEST_1,
        deployingAccount: { found: false, reason: "sts:GetCallerIdentity failed: no credentials" },
      }),
    ).toEqual([
      `k8s-flux:externalDns.nodeRoleArn: ${JSON.stringify(OTHER_ACCOUNT_ROLE)} could not be checked against the account this stack deploys to: looking that account up failed (sts:GetCallerIdentity failed: no credentials); expected AWS credentials for it, as the AWS provider reads them`,
    ]);
  });

  it("opt-in without a role to apply to is refused", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        externalDns: { allowCrossAccountRole: false, hostedZoneIds: [ZONE] },
      }),
    ).toEqual([
      "k8s-flux:externalDns.allowCrossAccountRole: is only used with k8s-flux:externalDns.roleArn or k8s-flux:externalDns.nodeRoleArn, and neither is set; remove it",
    ]);
  });
});

describe("oidcProviderArn", () => {
  it.each([
    "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/id/X",
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com.evil.example/id/X",
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X/extra",
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/other/X",
  ])("refuses %s, which is no EKS cluster's issuer", (arn) => {
    expect(problemsOf(irsa(arn))).toEqual([
      `k8s-flux:externalDns.oidcProviderArn: ${JSON.stringify(arn)} does not name an EKS cluster's OIDC issuer; expected arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>, the cluster's issuer as "aws eks describe-cluster" shows it`,
    ]);
  });

  it.each([
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/ABC",
    "arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com/id/ABC",
  ])("refuses %s, whose issuer is in another partition", (arn) => {
    const partition = arn.startsWith("arn:aws-cn:") ? "aws-cn" : "aws";
    const suffix = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    const region = /oidc\.eks\.([a-z0-9-]+)\./.exec(arn)?.[1] ?? "";
    expect(problemsOf(irsa(arn))).toEqual([
      `k8s-flux:externalDns.oidcProviderArn: ${JSON.stringify(arn)} names an issuer in ${region}, which is not in partition ${partition}; expected the issuer of the cluster, oidc.eks.<region>.${suffix}/id/<id> with a region of partition ${partition}`,
    ]);
  });

  it("accepts an EKS issuer in each partition", () => {
    for (const [region, arn] of [
      ["eu-west-1", EKS_PROVIDER],
      [
        "cn-north-1",
        "arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
      ],
      [
        "us-gov-west-1",
        "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/ABC",
      ],
    ] as const) {
      expect(
        validate(irsa(arn), { awsRegion: region, deployingAccount: DEPLOYING }).externalDns
          ?.identity,
      ).toEqual({ mode: "irsa", eksClusterName: "dev-eks", oidcProviderArn: arn });
    }
  });

  it("in another account is refused even with allowCrossAccountRole: IAM would not trust it", () => {
    const arn =
      "arn:aws:iam::210987654321:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF";
    expect(problemsOf(irsa(arn), { deployingAccount: DEPLOYING })).toEqual([
      `k8s-flux:externalDns.oidcProviderArn: ${JSON.stringify(arn)} is in account 210987654321, but the role this program creates is in account 123456789012, and IAM trusts only OIDC providers of the role's own account; expected the provider's ARN in account 123456789012`,
    ]);
  });
});

describe("whether the deploying account is looked up", () => {
  it.each([
    [
      "External DNS off",
      { externalDns: { enabled: false, nodeRoleArn: OTHER_ACCOUNT_ROLE } },
      false,
    ],
    ["no ARN to compare", {}, false],
    [
      "a role given for irsa: nothing is created in AWS",
      { externalDns: { roleArn: OTHER_ACCOUNT_ROLE } },
      false,
    ],
    [
      "a role given for kube2iam",
      { externalDns: { identity: "kube2iam", roleArn: OTHER_ACCOUNT_ROLE } },
      false,
    ],
    [
      "a role given for pod identity: the association is created",
      { externalDns: { identity: "pod-identity", roleArn: OTHER_ACCOUNT_ROLE } },
      true,
    ],
    [
      "the kube2iam node role",
      { externalDns: { identity: "kube2iam", nodeRoleArn: OTHER_ACCOUNT_ROLE } },
      true,
    ],
    ["an OIDC provider", { externalDns: { oidcProviderArn: EKS_PROVIDER } }, true],
    ["a section that is no object", { externalDns: "on" }, false],
  ])("%s", (_, values, expected) => {
    expect(needsDeployingAccount(values)).toBe(expected);
  });
});

describe("the program", () => {
  const KUBE2IAM_OTHER_ACCOUNT = {
    externalDns: {
      identity: "kube2iam",
      nodeRoleArn: OTHER_ACCOUNT_ROLE,
      hostedZoneIds: ["Z0123456789ABCDEFGHIJ"],
    },
  };
  const CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity";

  it("asks for the deploying account, refuses a role in another, and registers nothing", async () => {
    const { run, error } = await attemptStack("dev", { settings: KUBE2IAM_OTHER_ACCOUNT });
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        `  - k8s-flux:externalDns.nodeRoleArn: "${OTHER_ACCOUNT_ROLE}" is in account 210987654321, but this stack deploys to account ${FAKE.accountId}; expected a role in account ${FAKE.accountId}, or k8s-flux:externalDns.allowCrossAccountRole set to true when a role in another account is intended`,
      ].join("\n"),
    );
    expect(run.invocations.map((invocation) => invocation.token)).toEqual([CALLER_IDENTITY]);
    expect(run.resources).toEqual([]);
  });

  it("deploys with the role when the stack opts in", async () => {
    const { run } = await runStack("dev", {
      settings: {
        externalDns: { ...KUBE2IAM_OTHER_ACCOUNT.externalDns, allowCrossAccountRole: true },
      },
    });
    const trust = JSON.parse(
      run.one("aws:iam/role:Role", "external-dns-role").inputs["assumeRolePolicy"],
    ) as { Statement: { Principal: unknown }[] };
    expect(trust.Statement[0]?.Principal).toEqual({ AWS: OTHER_ACCOUNT_ROLE });
    expect(run.invocations.map((invocation) => invocation.token)).toContain(CALLER_IDENTITY);
  });

  it("does not ask when the stack creates nothing in AWS", async () => {
    const { run } = await runStack("local", { secrets: {} });
    expect(run.invocations).toEqual([]);
  });
});

describe("looking the deploying account up", () => {
  it("answers with the caller's account and ARN", async () => {
    await mockStack("dev");
    const { lookupDeployingAccount } = await import("../stacks/deployingAccount");
    expect(await lookupDeployingAccount()).toEqual({
      found: true,
      accountId: FAKE.accountId,
      callerArn: FAKE.callerArn,
    });
  });

  it("answers with why it failed, for the config problems to name", async () => {
    const { lookupDeployingAccount } = await import("../stacks/deployingAccount");
    expect(
      await lookupDeployingAccount(() =>
        Promise.reject(new Error("no valid credential sources found\nsecond line")),
      ),
    ).toEqual({
      found: false,
      reason: "sts:GetCallerIdentity failed: no valid credential sources found",
    });
    expect(await lookupDeployingAccount(() => Promise.reject(new Error("")))).toEqual({
      found: false,
      reason: "sts:GetCallerIdentity failed: no reason given",
    });
  });
});
