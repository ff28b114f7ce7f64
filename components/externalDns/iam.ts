/**
 * What External DNS may do in AWS, as pure functions of plain values: its Route53 policy, and
 * the OIDC issuer of an EKS cluster its IRSA trust is keyed by.
 *
 * The actions are exactly the Route53 calls External DNS v0.23.0 makes with the flags
 * externalDnsArgs passes (provider/aws/aws.go): ListHostedZones to find the zones (then filtered
 * by --zone-id-filter and --domain-filter on its side), ListResourceRecordSets for each zone's
 * records, and ChangeResourceRecordSets. ListTagsForResources is called only with
 * --aws-zone-tags, CreateHostedZone never, and STS only with --aws-assume-role: none is granted.
 */
import type { PolicyDocument, PolicyStatement } from "../shared/iamTrust";
import { describeCharacter, quoted } from "../shared/quotedText";

/** The zones External DNS may read and change: the listed ones, or every zone of the account. */
export type Route53Zones = readonly string[] | "every zone";

/**
 * Record types whose TXT ownership records External DNS names `<type>-<name>`: the default
 * --managed-record-types (A, AAAA, CNAME; pkg/apis/externaldns/types.go), lower-cased, with no
 * --txt-prefix or --txt-suffix (registry/mapper/mapper.go, ToTXTName). A record at a filter's own
 * domain `d` thus has its TXT at `a-d`, beside `d` rather than below it.
 */
const OWNERSHIP_RECORD_PREFIXES = ["a-", "aaaa-", "cname-"] as const;

/**
 * A record name as Route53 compares it with `route53:ChangeResourceRecordSetsNormalizedRecordNames`:
 * lower case, no trailing dot, and every character but a-z, 0-9, `-`, `_` and `.` as a backslash
 * and three octal digits (Route53 developer guide, "Using IAM policy conditions for fine-grained
 * access control").
 */
export function normalizedRecordName(name: string): string {
  return [...name.toLowerCase().replace(/\.$/, "")]
    .map((character) => {
      if (/^[a-z0-9._-]$/.test(character)) return character;
      const code = character.codePointAt(0) ?? 0;
      if (code > 0xff) {
        throw new Error(
          `${quoted(name)} holds ${describeCharacter(character)}, which no DNS name can`,
        );
      }
      return `\\${code.toString(8).padStart(3, "0")}`;
    })
    .join("");
}

/**
 * The record names External DNS may change under domain filters: each domain, its subdomains
 * (`*` matches any characters in StringLike), and the TXT ownership records of a record at the
 * domain itself.
 */
export function recordNamePatterns(domainFilters: readonly string[]): string[] {
  const patterns = domainFilters
    .map(normalizedRecordName)
    .flatMap((domain) => [
      domain,
      `*.${domain}`,
      ...OWNERSHIP_RECORD_PREFIXES.map((prefix) => `${prefix}${domain}`),
    ]);
  return [...new Set(patterns)];
}

/**
 * The Route53 policy of External DNS: changes and reads only in its zones, changes only to
 * names under its domain filters when there are any, and the one call that cannot be scoped to a
 * zone, ListHostedZones, on `*`.
 */
export function route53Policy(args: {
  readonly partition: string;
  readonly zones: Route53Zones;
  readonly domainFilters: readonly string[];
}): PolicyDocument {
  const zoneArn = (id: string) => `arn:${args.partition}:route53:::hostedzone/${id}`;
  if (args.zones !== "every zone" && args.zones.length === 0) {
    throw new Error('no hosted zone given; expected zone ids, or "every zone"');
  }
  const zones = args.zones === "every zone" ? zoneArn("*") : args.zones.map(zoneArn);
  const change: PolicyStatement = {
    Sid: "ChangeRecordsInManagedZones",
    Effect: "Allow",
    Action: "route53:ChangeResourceRecordSets",
    Resource: zones,
    ...(args.domainFilters.length > 0
      ? {
          Condition: {
            // ForAllValues: every record name in the change batch must match one pattern.
            "ForAllValues:StringLike": {
              "route53:ChangeResourceRecordSetsNormalizedRecordNames": recordNamePatterns(
                args.domainFilters,
              ),
            },
          },
        }
      : {}),
  };
  return {
    Version: "2012-10-17",
    Statement: [
      change,
      {
        Sid: "ReadRecordsInManagedZones",
        Effect: "Allow",
        Action: "route53:ListResourceRecordSets",
        Resource: zones,
      },
      {
        Sid: "FindHostedZones",
        Effect: "Allow",
        Action: "route53:ListHostedZones",
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
