/**
 * IAM trust policies for the three ways a pod can get an AWS role. Pure functions of plain
 * strings, so the exact statements are tested without mocks.
 */
import { IAM_ROLE_ARN, OIDC_PROVIDER_ARN } from "./arns";

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow";
  readonly Principal?: Readonly<Record<string, string>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

/** The issuer part of an OIDC provider ARN (`oidc.eks.<region>.amazonaws.com/id/<id>`), if any. */
function issuerOf(oidcProviderArn: string): string | undefined {
  const issuer = OIDC_PROVIDER_ARN.exec(oidcProviderArn)?.[1];
  return issuer === undefined || issuer.startsWith("https://") ? undefined : issuer;
}

/** Why a text is not an IAM OIDC provider ARN, or undefined when it is one. */
export function oidcProviderArnProblem(oidcProviderArn: string): string | undefined {
  return issuerOf(oidcProviderArn) === undefined
    ? `${JSON.stringify(oidcProviderArn)} is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`
    : undefined;
}

/** Why a text is not an IAM role ARN, or undefined when it is one. */
export function roleArnProblem(roleArn: string): string | undefined {
  return IAM_ROLE_ARN.test(roleArn)
    ? undefined
    : `${JSON.stringify(roleArn)} is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>`;
}

/** Why a text cannot be the role kube2iam runs as on the nodes, or undefined when it can. */
export function nodeRoleArnProblem(nodeRoleArn: string): string | undefined {
  const problem = roleArnProblem(nodeRoleArn);
  return problem === undefined ? undefined : `${problem}, the role kube2iam runs as on the nodes`;
}

/** The issuer part of an OIDC provider ARN: `oidc.eks.<region>.amazonaws.com/id/<id>`. */
export function issuerFromOidcProviderArn(oidcProviderArn: string): string {
  const issuer = issuerOf(oidcProviderArn);
  if (issuer === undefined) throw new Error(oidcProviderArnProblem(oidcProviderArn));
  return issuer;
}

/** IRSA: only the named ServiceAccount's projected token, meant for STS, may assume the role. */
export function irsaTrustPolicy(args: {
  readonly oidcProviderArn: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
}): PolicyDocument {
  const issuer = issuerFromOidcProviderArn(args.oidcProviderArn);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: args.oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccountName}`,
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      },
    ],
  };
}

/** EKS Pod Identity: the EKS agent assumes the role; the association picks the ServiceAccount. */
export function podIdentityTrustPolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      },
    ],
  };
}

/** kube2iam: the node role assumes the pod's role on the pod's behalf. */
export function kube2iamTrustPolicy(nodeRoleArn: string): PolicyDocument {
  const problem = nodeRoleArnProblem(nodeRoleArn);
  if (problem !== undefined) throw new Error(problem);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: nodeRoleArn },
        Action: "sts:AssumeRole",
      },
    ],
  };
}
