/**
 * Rules for the AWS ARNs External DNS is given: each must be in the partition the stack deploys
 * to, in the account it deploys to unless the stack says otherwise, and an OIDC provider must be
 * an EKS cluster's. An ARN of the right shape but the wrong partition, account or issuer would
 * be accepted by every check before IAM's, and fail (or trust the wrong party) at apply time.
 */
import { AWS_REGION_KEY } from "./names";
import { quoted, settingKey } from "./quoting";
import type { DeployingAccount } from "./settings";

/** The partitions this program supports, with the DNS suffix of their EKS OIDC issuers. */
const PARTITIONS = {
  aws: { issuerSuffix: "amazonaws.com" },
  "aws-cn": { issuerSuffix: "amazonaws.com.cn" },
  "aws-us-gov": { issuerSuffix: "amazonaws.com" },
} as const;
type Partition = keyof typeof PARTITIONS;
const PARTITION_NAMES = Object.keys(PARTITIONS) as Partition[];

const isPartition = (name: string): name is Partition => Object.hasOwn(PARTITIONS, name);

/** `arn:<partition>:<service>:<region>:<account>:<resource>`. */
const ARN = /^arn:(?<partition>[^:]+):[^:]*:[^:]*:(?<account>[0-9]{12}):(?<resource>.+)$/s;
/** An EKS cluster's issuer, as its IAM OIDC provider is named: the issuer URL without https://. */
const EKS_ISSUER =
  /^oidc-provider\/oidc\.eks\.(?<region>[a-z]{2}(-[a-z]+)+-[0-9]+)\.(?<suffix>amazonaws\.com(\.cn)?)\/id\/[0-9A-Za-z]+$/;

/**
 * The partition of a region, or undefined for a region of another partition (such as the ISO
 * regions) or no region at all, which this program does not check against.
 */
export function regionPartition(region: string): Partition | undefined {
  if (/^cn-[a-z]+-[0-9]+$/.test(region)) return "aws-cn";
  if (/^us-gov-[a-z]+-[0-9]+$/.test(region)) return "aws-us-gov";
  if (/^(us-iso[a-z]?|eu-iso[a-z]?|eusc)-/.test(region)) return undefined;
  return /^[a-z]{2}-[a-z]+-[0-9]+$/.test(region) ? "aws" : undefined;
}

/** Regions of the ISO partitions (aws-iso, aws-iso-b, ...) and of the European Sovereign Cloud. */
const OTHER_PARTITION_REGION = /^(us-iso[a-z]?|eu-iso[a-z]?|eusc-[a-z]{2})-[a-z]+-[0-9]+$/;

/**
 * Why `aws:region` cannot be the stack's region, or undefined. Its partition decides which ARNs
 * are accepted, and it is External DNS's AWS_REGION, so a region whose partition this program
 * cannot tell or does not support (`mars-1`, `us-iso-east-1`) is refused. Regions are judged by
 * their form, not looked up in a list, so a well-formed typo such as eu-wset-1 still passes.
 */
export function regionProblem(region: string): string | undefined {
  if (regionPartition(region) !== undefined) return undefined;
  const supported = `a region of partition ${PARTITION_NAMES.join(", ")}, such as eu-west-1, cn-north-1 or us-gov-west-1`;
  if (OTHER_PARTITION_REGION.test(region)) {
    return `${quoted(region)} is in a partition this program does not support (an ISO region or the European Sovereign Cloud); expected ${supported}`;
  }
  return `${quoted(region)} is not an AWS region name, so its partition cannot be told; expected <area>-<direction>-<number>, ${supported}`;
}

function parseArn(arn: string) {
  const groups = ARN.exec(arn)?.groups;
  if (groups === undefined) return undefined;
  return {
    partition: groups["partition"] ?? "",
    account: groups["account"] ?? "",
    resource: groups["resource"] ?? "",
  };
}

/** The External DNS settings these rules read, as raw values (parsing may have failed). */
export interface ExternalDnsArns {
  readonly roleArn?: unknown;
  readonly nodeRoleArn?: unknown;
  readonly oidcProviderArn?: unknown;
  readonly allowCrossAccountRole?: unknown;
}

/** What the stack deploys to: the AWS provider's region, and the account the caller is in. */
export interface DeploymentTarget {
  readonly region?: string;
  readonly deployingAccount?: DeployingAccount;
}

export interface ArnProblem {
  readonly field: "roleArn" | "nodeRoleArn" | "oidcProviderArn" | "allowCrossAccountRole";
  readonly message: string;
}

const SECTION = ["externalDns"] as const;

/** Where the partition every ARN must be in comes from, or undefined when nothing says. */
function expectedPartition(
  target: DeploymentTarget,
): { readonly partition: Partition; readonly source: string } | undefined {
  const fromRegion = target.region === undefined ? undefined : regionPartition(target.region);
  if (fromRegion !== undefined) {
    return { partition: fromRegion, source: `${AWS_REGION_KEY} ${target.region}` };
  }
  const account = target.deployingAccount;
  const caller = account?.found ? parseArn(account.callerArn) : undefined;
  if (caller !== undefined && isPartition(caller.partition)) {
    return { partition: caller.partition, source: "the deploying account" };
  }
  return undefined;
}

/**
 * Why an OIDC provider cannot be the cluster's, or undefined. An EKS cluster's issuer names the
 * cluster's region (oidc.eks.<region>.amazonaws.com), and `aws:region` is the cluster's region,
 * so a provider whose issuer names another region belongs to another cluster.
 */
function issuerProblem(
  arn: string,
  resource: string,
  partition: Partition,
  clusterRegion: string | undefined,
): string | undefined {
  const issuer = EKS_ISSUER.exec(resource)?.groups;
  const region = issuer?.["region"] ?? "";
  if (issuer === undefined) {
    return `${quoted(arn)} does not name an EKS cluster's OIDC issuer; expected arn:${partition}:iam::<account>:oidc-provider/oidc.eks.<region>.${PARTITIONS[partition].issuerSuffix}/id/<id>, the cluster's issuer as "aws eks describe-cluster" shows it`;
  }
  const issuerPartition = regionPartition(region);
  if (
    issuerPartition !== partition ||
    issuer["suffix"] !== PARTITIONS[issuerPartition].issuerSuffix
  ) {
    return `${quoted(arn)} names an issuer in ${region}, which is not in partition ${partition}; expected the issuer of the cluster, oidc.eks.<region>.${PARTITIONS[partition].issuerSuffix}/id/<id> with a region of partition ${partition}`;
  }
  if (clusterRegion !== undefined && region !== clusterRegion) {
    return `${quoted(arn)} names the issuer of a cluster in ${region}, but ${AWS_REGION_KEY} is ${clusterRegion}, the cluster's region; expected the OIDC provider of the cluster, whose issuer is oidc.eks.${clusterRegion}.${PARTITIONS[partition].issuerSuffix}/id/<id>`;
  }
  return undefined;
}

/**
 * Problems with the ARNs External DNS is given. The deploying account is known only when the
 * program creates AWS resources (see needsDeployingAccount); account rules apply only then.
 */
export function externalDnsArnProblems(
  dns: ExternalDnsArns,
  target: DeploymentTarget,
): ArnProblem[] {
  const problems: ArnProblem[] = [];
  const expected = expectedPartition(target);
  const account = target.deployingAccount;
  const allowKey = settingKey([...SECTION, "allowCrossAccountRole"]);
  const allowCrossAccount = dns.allowCrossAccountRole === true;
  for (const field of ["roleArn", "nodeRoleArn", "oidcProviderArn"] as const) {
    const value = dns[field];
    const arn = typeof value === "string" ? parseArn(value) : undefined;
    if (typeof value !== "string" || arn === undefined) continue;
    const add = (message: string) => problems.push({ field, message });
    if (!isPartition(arn.partition)) {
      add(
        `${quoted(value)} is in partition ${arn.partition}, which this program does not support; expected one of ${PARTITION_NAMES.join(", ")}`,
      );
      continue;
    }
    if (expected !== undefined && arn.partition !== expected.partition) {
      add(
        `${quoted(value)} is in partition ${arn.partition}, but ${expected.source} is in partition ${expected.partition}; expected an ARN that starts with arn:${expected.partition}:`,
      );
      continue;
    }
    if (field === "oidcProviderArn") {
      const clusterRegion =
        target.region !== undefined && regionPartition(target.region) !== undefined
          ? target.region
          : undefined;
      const problem = issuerProblem(value, arn.resource, arn.partition, clusterRegion);
      if (problem !== undefined) {
        add(problem);
        continue;
      }
    }
    if (account === undefined) continue;
    if (!account.found) {
      add(
        `${quoted(value)} could not be checked against the account this stack deploys to: looking that account up failed (${account.reason}); expected AWS credentials for it, as the AWS provider reads them`,
      );
      continue;
    }
    if (arn.account === account.accountId) continue;
    if (field === "oidcProviderArn") {
      add(
        `${quoted(value)} is in account ${arn.account}, but the role this program creates is in account ${account.accountId}, and IAM trusts only OIDC providers of the role's own account; expected the provider's ARN in account ${account.accountId}`,
      );
    } else if (!allowCrossAccount) {
      add(
        `${quoted(value)} is in account ${arn.account}, but this stack deploys to account ${account.accountId}; expected a role in account ${account.accountId}, or ${allowKey} set to true when a role in another account is intended`,
      );
    }
  }
  if (dns.allowCrossAccountRole !== undefined && !hasRole(dns)) {
    problems.push({
      field: "allowCrossAccountRole",
      message: `is only used with ${settingKey([...SECTION, "roleArn"])} or ${settingKey([...SECTION, "nodeRoleArn"])}, and neither is set; remove it`,
    });
  }
  return problems;
}

const hasRole = (dns: ExternalDnsArns): boolean =>
  dns.roleArn !== undefined || dns.nodeRoleArn !== undefined;

/**
 * Whether validating this config needs the deploying account: only when External DNS is on, an
 * ARN whose account matters is set, and the program creates AWS resources (its own role, or a
 * Pod Identity association). A role given with irsa or kube2iam is managed elsewhere and the
 * program makes no AWS call at all, as for the local stack, so no account is looked up then.
 * Reads raw values: the config has not been validated yet.
 */
export function needsDeployingAccount(values: Readonly<Record<string, unknown>>): boolean {
  const dns = Object.hasOwn(values, "externalDns") ? values["externalDns"] : undefined;
  const section: Record<string, unknown> =
    dns !== null && typeof dns === "object" && !Array.isArray(dns)
      ? (dns as Record<string, unknown>)
      : {};
  if (section["enabled"] === false) return false;
  const given = (field: string) => typeof section[field] === "string";
  if (given("roleArn")) return section["identity"] === "pod-identity";
  return given("nodeRoleArn") || given("oidcProviderArn");
}
