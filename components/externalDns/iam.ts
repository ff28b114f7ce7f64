/**
 * What External DNS may do in AWS, as pure functions of plain values: its Route53 policy, and
 * the OIDC issuer of an EKS cluster its IRSA trust is keyed by.
 */
import type { PolicyDocument } from "../shared/iamTrust";

/** The Route53 permissions External DNS needs, limited to the given zones when there are any. */
export function route53Policy(hostedZoneIds: readonly string[], partition = "aws"): PolicyDocument {
  const zoneArns = hostedZoneIds.map((id) => `arn:${partition}:route53:::hostedzone/${id}`);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ChangeRecordsInManagedZones",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: zoneArns.length > 0 ? zoneArns : `arn:${partition}:route53:::hostedzone/*`,
      },
      {
        Sid: "DiscoverZonesAndRecords",
        Effect: "Allow",
        Action: [
          "route53:ListHostedZones",
          "route53:ListResourceRecordSets",
          "route53:ListTagsForResources",
        ],
        Resource: "*",
      },
    ],
  };
}

/**
 * The OIDC issuer URL in an EKS cluster's identities, as `aws.eks.getCluster` returns them;
 * undefined when the cluster has none.
 */
export function oidcIssuerOf(
  identities: readonly { readonly oidcs: readonly { readonly issuer: string }[] }[],
): string | undefined {
  const url = identities[0]?.oidcs[0]?.issuer;
  return url === "" ? undefined : url;
}
