/**
 * IAM ARN patterns, shared by the stack schema (to reject bad config) and the trust policies
 * (to reject bad arguments). Any AWS partition: aws, aws-cn, aws-us-gov.
 */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;
/** The capture group is the issuer without `https://`: `oidc.eks.<region>.amazonaws.com/id/<id>`. */
export const OIDC_PROVIDER_ARN =
  /^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/([a-z0-9.-]+(?:\/[\w.-]+)*)$/;
/** An EKS cluster, as `aws eks describe-cluster` shows its ARN; the name as EKS accepts it. */
export const EKS_CLUSTER_ARN =
  /^arn:(?<partition>aws[a-z-]*):eks:(?<region>[a-z0-9-]+):(?<account>[0-9]{12}):cluster\/(?<name>[0-9A-Za-z][A-Za-z0-9_-]{0,99})$/;
