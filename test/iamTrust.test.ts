/**
 * The IAM trust policies, as pure functions: the exact statement each identity mode trusts, and
 * the ARNs they refuse before a malformed principal reaches IAM.
 */
import { describe, expect, it } from "vitest";
import {
  eksClusterArnProblem,
  irsaTrustPolicy,
  issuerFromOidcProviderArn,
  kube2iamTrustPolicy,
  nodeRoleArnProblem,
  oidcProviderArnProblem,
  podIdentityTrustPolicy,
  roleArnProblem,
} from "../components/shared/iamTrust";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
const OIDC_PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const NODE_ROLE_ARN = "arn:aws:iam::123456789012:role/eks-nodes";

describe("issuerFromOidcProviderArn", () => {
  it("returns the issuer host and path of an EKS OIDC provider ARN", () => {
    expect(issuerFromOidcProviderArn(OIDC_PROVIDER_ARN)).toBe(ISSUER);
  });

  it("accepts the China and GovCloud partitions", () => {
    expect(
      issuerFromOidcProviderArn(
        "arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC",
      ),
    ).toBe("oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC");
    expect(
      issuerFromOidcProviderArn(
        "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/ABC",
      ),
    ).toBe("oidc.eks.us-gov-west-1.amazonaws.com/id/ABC");
  });

  it.each([
    ["a role ARN", "arn:aws:iam::123456789012:role/eks-nodes"],
    ["the issuer URL itself", `https://${ISSUER}`],
    ["an ARN with no issuer", "arn:aws:iam::123456789012:oidc-provider/"],
    ["an ARN with a short account", `arn:aws:iam::1234:oidc-provider/${ISSUER}`],
    [
      "an ARN whose issuer keeps https://",
      `arn:aws:iam::123456789012:oidc-provider/https://${ISSUER}`,
    ],
    ["an empty string", ""],
  ])("refuses %s, naming it", (_case, arn) => {
    expect(() => issuerFromOidcProviderArn(arn)).toThrow(
      new Error(
        `${JSON.stringify(arn)} is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`,
      ),
    );
  });
});

describe("irsaTrustPolicy", () => {
  it("trusts only that ServiceAccount's token for STS, through the OIDC provider", () => {
    expect(
      irsaTrustPolicy({
        oidcProviderArn: OIDC_PROVIDER_ARN,
        namespace: "external-dns",
        serviceAccountName: "external-dns",
      }),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: OIDC_PROVIDER_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${ISSUER}:sub`]: "system:serviceaccount:external-dns:external-dns",
              [`${ISSUER}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ],
    });
  });

  it("puts the namespace before the ServiceAccount name in the subject", () => {
    const policy = irsaTrustPolicy({
      oidcProviderArn: OIDC_PROVIDER_ARN,
      namespace: "dns-system",
      serviceAccountName: "route53-writer",
    });
    expect(policy.Statement[0]?.Condition?.["StringEquals"]?.[`${ISSUER}:sub`]).toBe(
      "system:serviceaccount:dns-system:route53-writer",
    );
  });

  it("uses StringEquals, never a wildcard match", () => {
    const policy = irsaTrustPolicy({
      oidcProviderArn: OIDC_PROVIDER_ARN,
      namespace: "external-dns",
      serviceAccountName: "external-dns",
    });
    expect(Object.keys(policy.Statement[0]?.Condition ?? {})).toEqual(["StringEquals"]);
  });

  it("refuses a provider ARN it cannot take the issuer from", () => {
    expect(() =>
      irsaTrustPolicy({
        oidcProviderArn: `https://${ISSUER}`,
        namespace: "external-dns",
        serviceAccountName: "external-dns",
      }),
    ).toThrow(`${JSON.stringify(`https://${ISSUER}`)} is not an IAM OIDC provider ARN`);
  });
});

describe("podIdentityTrustPolicy", () => {
  const CLUSTER_ARN = "arn:aws:eks:eu-west-1:123456789012:cluster/dev-eks";
  const trustFor = (clusterArn: string) =>
    podIdentityTrustPolicy({
      clusterArn,
      namespace: "external-dns",
      serviceAccountName: "external-dns",
    });

  it("trusts the EKS Pod Identity service for one cluster's one ServiceAccount, in its account", () => {
    expect(trustFor(CLUSTER_ARN)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:SourceAccount": "123456789012",
              "aws:RequestTag/eks-cluster-arn": CLUSTER_ARN,
              "aws:RequestTag/kubernetes-namespace": "external-dns",
              "aws:RequestTag/kubernetes-service-account": "external-dns",
            },
            ArnLike: {
              "aws:SourceArn": [
                CLUSTER_ARN,
                "arn:aws:eks:eu-west-1:123456789012:podidentityassociation/dev-eks/*",
              ],
            },
          },
        },
      ],
    });
  });

  it("keeps the cluster's partition, region and account in every ARN it derives", () => {
    const clusterArn = "arn:aws-cn:eks:cn-north-1:210987654321:cluster/prod_eks-2";
    const condition = trustFor(clusterArn).Statement[0]?.Condition;
    expect(condition?.["StringEquals"]?.["aws:SourceAccount"]).toBe("210987654321");
    expect(condition?.["ArnLike"]?.["aws:SourceArn"]).toEqual([
      clusterArn,
      "arn:aws-cn:eks:cn-north-1:210987654321:podidentityassociation/prod_eks-2/*",
    ]);
  });

  it.each([
    ["a cluster name", "dev-eks"],
    ["an IAM role ARN", "arn:aws:iam::123456789012:role/dev-eks"],
    ["a cluster ARN with a short account", "arn:aws:eks:eu-west-1:1234:cluster/dev-eks"],
    ["a cluster ARN with a dotted name", "arn:aws:eks:eu-west-1:123456789012:cluster/dev.eks"],
    ["a cluster ARN with a path", "arn:aws:eks:eu-west-1:123456789012:cluster/dev-eks/x"],
  ])("refuses %s, naming it", (_case, arn) => {
    const problem = `${JSON.stringify(arn)} is not an EKS cluster ARN; expected arn:aws:eks:<region>:<account>:cluster/<name>`;
    expect(eksClusterArnProblem(arn)).toBe(problem);
    expect(() => trustFor(arn)).toThrow(new Error(problem));
  });

  it("finds nothing wrong with a cluster ARN of any supported partition", () => {
    expect(eksClusterArnProblem(CLUSTER_ARN)).toBeUndefined();
    expect(
      eksClusterArnProblem("arn:aws-us-gov:eks:us-gov-west-1:123456789012:cluster/gov"),
    ).toBeUndefined();
  });
});

describe("kube2iamTrustPolicy", () => {
  it("trusts the node role to assume the role", () => {
    expect(kube2iamTrustPolicy(NODE_ROLE_ARN)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: NODE_ROLE_ARN },
          Action: "sts:AssumeRole",
        },
      ],
    });
  });

  it("accepts a role with a path and another partition", () => {
    const arn = "arn:aws-cn:iam::123456789012:role/k8s/eks-nodes";
    expect(kube2iamTrustPolicy(arn).Statement[0]?.Principal).toEqual({ AWS: arn });
  });

  it.each([
    ["an instance profile ARN", "arn:aws:iam::123456789012:instance-profile/eks-nodes"],
    ["a bare role name", "eks-nodes"],
    ["an account id", "123456789012"],
    ["a role ARN with no name", "arn:aws:iam::123456789012:role/"],
    ["an empty string", ""],
  ])("refuses %s, naming it", (_case, arn) => {
    expect(() => kube2iamTrustPolicy(arn)).toThrow(
      new Error(
        `${JSON.stringify(arn)} is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>, the role kube2iam runs as on the nodes`,
      ),
    );
  });
});

describe("the ARN checks components run on their arguments first", () => {
  it("find nothing wrong with well-formed ARNs", () => {
    expect(oidcProviderArnProblem(OIDC_PROVIDER_ARN)).toBeUndefined();
    expect(roleArnProblem(NODE_ROLE_ARN)).toBeUndefined();
    expect(
      nodeRoleArnProblem("arn:aws-us-gov:iam::123456789012:role/k8s/eks-nodes"),
    ).toBeUndefined();
  });

  it("say what a malformed ARN is not, and what was expected", () => {
    expect(oidcProviderArnProblem(NODE_ROLE_ARN)).toBe(
      `"${NODE_ROLE_ARN}" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`,
    );
    expect(roleArnProblem(OIDC_PROVIDER_ARN)).toBe(
      `"${OIDC_PROVIDER_ARN}" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>`,
    );
    expect(nodeRoleArnProblem("eks-nodes")).toBe(
      '"eks-nodes" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>, the role kube2iam runs as on the nodes',
    );
  });

  it("show invisible characters in an ARN escaped, so a message cannot hide or reorder them", () => {
    // A right-to-left override would print the rest of the line backwards; a zero-width
    // space would make the quoted ARN look well-formed.
    expect(roleArnProblem("arn:aws:iam::123456789012:role/\u202Esedon-ske")).toBe(
      '"arn:aws:iam::123456789012:role/\\u202Esedon-ske" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>',
    );
    expect(oidcProviderArnProblem(`${OIDC_PROVIDER_ARN}\u200B`)).toBe(
      `"${OIDC_PROVIDER_ARN}\\u200B" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`,
    );
    expect(eksClusterArnProblem("arn:aws:eks:eu-west-1:123456789012:cluster/dev\u200Beks")).toBe(
      '"arn:aws:eks:eu-west-1:123456789012:cluster/dev\\u200Beks" is not an EKS cluster ARN; expected arn:aws:eks:<region>:<account>:cluster/<name>',
    );
  });
});
