import { PLATFORM_NAMESPACES } from "../shared/namespaces";

/**
 * How the External DNS pod gets its AWS role: IAM Roles for Service Accounts, EKS Pod Identity,
 * or kube2iam on the nodes.
 */
export const externalDnsIdentities = ["irsa", "pod-identity", "kube2iam"] as const;
export type ExternalDnsIdentityMode = (typeof externalDnsIdentities)[number];

/** `upsert-only` never deletes records; `sync` also deletes the ones it owns. */
export const externalDnsPolicies = ["upsert-only", "sync"] as const;
export type ExternalDnsPolicy = (typeof externalDnsPolicies)[number];

/** What ExternalDns gets when its arguments leave a setting open. */
export const externalDnsDefaults = {
  namespace: PLATFORM_NAMESPACES.externalDns,
  /** The identity mode; irsa needs an OIDC provider ARN or an EKS cluster name to look it up. */
  identity: "irsa" satisfies ExternalDnsIdentityMode,
  policy: "upsert-only" satisfies ExternalDnsPolicy,
  /** Every domain the zones hold. */
  domainFilters: [],
  /** None: they must be listed, unless allZones is set. */
  hostedZoneIds: [],
  /** Every zone of the account is only ever an explicit choice. */
  allZones: false,
  /** ExternalDNS v0.22 stopped reading `external-dns.alpha.kubernetes.io/` annotations. */
  legacyAnnotations: false,
  waitForReadiness: true,
} as const;
