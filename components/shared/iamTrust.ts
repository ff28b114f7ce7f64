/**
 * IAM trust policies for the three ways a pod can get an AWS role. Pure functions of plain
 * strings, so the exact statements are tested without mocks.
 */
import { EKS_CLUSTER_ARN, IAM_ROLE_ARN, OIDC_PROVIDER_ARN } from "./arns";
import { quoted } from "./quotedText";

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow";
  readonly Principal?: Readonly<Record<string, string>>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  /** Operator, then condition key, then the value or values (any of which may match). */
  readonly Condition?: Readonly<
    Record<string, Readonly<Record<string, string | readonly string[]>>>
  >;
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
    ? `${quoted(oidcProviderArn)} is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer host and path>`
    : undefined;
}

/** Why a text is not an IAM role ARN, or undefined when it is one. */
export function roleArnProblem(roleArn: string): string | undefined {
  return IAM_ROLE_ARN.test(roleArn)
    ? undefined
    : `${quoted(roleArn)} is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>`;
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

/** Why a text is not an EKS cluster ARN, or undefined when it is one. */
export function eksClusterArnProblem(clusterArn: string): string | undefined {
  return EKS_CLUSTER_ARN.test(clusterArn)
    ? undefined
    : `${quoted(clusterArn)} is not an EKS cluster ARN; expected arn:aws:eks:<region>:<account>:cluster/<name>`;
}

/**
 * EKS Pod Identity: the EKS Auth service assumes the role for pods, and only for the named
 * ServiceAccount of the one cluster, in that cluster's account.
 *
 * - `aws:SourceAccount` and `aws:SourceArn` are the keys AWS recommends against the
 *   cross-service confused deputy (EKS user guide, "Cross-service confused deputy
 *   prevention"). EKS documents the cluster ARN as the source ARN of its cluster role; trust
 *   policies of Pod Identity roles in use match the association ARNs under the cluster,
 *   `…:podidentityassociation/<cluster>/*`. Both name this cluster only, so either is accepted.
 * - The session tags Pod Identity sends (`eks-cluster-arn`, `kubernetes-namespace`,
 *   `kubernetes-service-account`; EKS user guide, "Create IAM role with trust policy required by
 *   EKS Pod Identity") pin the ServiceAccount, as the IRSA trust's `sub` does.
 */
export function podIdentityTrustPolicy(args: {
  readonly clusterArn: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
}): PolicyDocument {
  const cluster = EKS_CLUSTER_ARN.exec(args.clusterArn)?.groups;
  if (cluster === undefined) throw new Error(eksClusterArnProblem(args.clusterArn));
  const { partition = "", region = "", account = "", name = "" } = cluster;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": account,
            "aws:RequestTag/eks-cluster-arn": args.clusterArn,
            "aws:RequestTag/kubernetes-namespace": args.namespace,
            "aws:RequestTag/kubernetes-service-account": args.serviceAccountName,
          },
          ArnLike: {
            "aws:SourceArn": [
              args.clusterArn,
              `arn:${partition}:eks:${region}:${account}:podidentityassociation/${name}/*`,
            ],
          },
        },
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
