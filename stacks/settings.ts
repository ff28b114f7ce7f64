/**
 * The stack's settings as types: what the config loader hands to the validator, and what the
 * validator hands to the composition in cluster.ts.
 */
import type { ContainerDefaults } from "../components/applicationFlux/quantities";
import type { ResourceQuotaHard } from "../components/applicationFlux/resourceLimits";
import type { PodSecurityLevel } from "../components/applicationFlux/tenancy";
import type { ExternalDnsArgs } from "../components/externalDns";
import type { GitSource } from "../components/shared/gitSource";

/** External DNS as configured; the TXT owner id is always the cluster name. */
export type ExternalDnsSettings = Omit<
  ExternalDnsArgs,
  "txtOwnerId" | "namespace" | "waitForReadiness"
>;

export interface SystemFluxSettings extends GitSource {
  readonly imageAutomation: boolean;
  /** The deploy key's generation, from 1; raised to rotate the key. */
  readonly keyGeneration: number;
  /** A deploy key made beside it and not yet used, so a person can add it first. */
  readonly nextKeyGeneration?: number;
  /** Whether this program installs the Flux Operator, or finds it running. */
  readonly installOperator: boolean;
  /** Whether the installed operator serves its web UI (to flux-system only). */
  readonly operatorWebUi: boolean;
}

export interface ApplicationSettings extends GitSource {
  readonly name: string;
  /** The Pod Security Standard both of the tenant's namespaces enforce. */
  readonly podSecurity: PodSecurityLevel;
  /** A ResourceQuota's `hard` map for the workload namespace, when set. */
  readonly resourceQuota?: ResourceQuotaHard;
  /** Default container requests and limits in the workload namespace, when set. */
  readonly limitRange?: ContainerDefaults;
  /** Whether the workload namespace refuses ingress from other tenants' namespaces. */
  readonly networkPolicy: boolean;
  /**
   * The DNS domains the tenant may name in External DNS's annotations and Ingress hosts, when set
   * (none, when empty); left out, no policy on its DNS names is made.
   */
  readonly dnsDomains?: readonly string[];
  /** The deploy key's generation, from 1; raised to rotate the key. */
  readonly keyGeneration: number;
  /** A deploy key made beside it and not yet used, so a person can add it first. */
  readonly nextKeyGeneration?: number;
}

export interface SealedSecretsSettings {
  readonly enabled: boolean;
  /** Sealing key names, oldest first; the newest certificate seals. */
  readonly keys: readonly string[];
  /** Whether a key deployed before may be left out of `keys` (and so deleted). */
  readonly allowKeyRemoval: boolean;
}

/** The whole stack, validated: everything one cluster needs, and nothing unchecked. */
export interface ClusterSettings {
  readonly clusterName: string;
  /** Undefined when External DNS is disabled. */
  readonly externalDns?: ExternalDnsSettings;
  /**
   * `externalDns.annotationPrefix`, when set, External DNS on or off: with it off, the prefix of
   * an External DNS run elsewhere, which the tenants' DNS names policies check too.
   */
  readonly externalDnsAnnotationPrefix?: string;
  readonly systemFlux: SystemFluxSettings;
  readonly applications: readonly ApplicationSettings[];
  readonly sealedSecrets: SealedSecretsSettings;
  readonly metricsServer: { readonly enabled: boolean };
  readonly newRelic: { readonly enabled: boolean };
  /** known_hosts text by host name: the built-in github.com keys merged with stack overrides. */
  readonly knownHosts: Readonly<Record<string, string>>;
  /** Whether deploy keys on github.com are registered there; otherwise they are added by hand. */
  readonly registerDeployKeys: boolean;
  /** Whether `pulumi up` waits for workloads and Flux objects to become ready. */
  readonly waitForReadiness: boolean;
}

/**
 * The AWS account the stack deploys to, as sts:GetCallerIdentity told it, or why that lookup
 * failed. Looked up only when the program creates AWS resources and an ARN needs comparing.
 */
export type DeployingAccount =
  | { readonly found: true; readonly accountId: string; readonly callerArn: string }
  | { readonly found: false; readonly reason: string };

/** What the loader hands to the validator: raw values by key, and what it knows of the secrets. */
export interface RawStackConfig {
  /** Values by key without the `k8s-flux:` prefix; objects already parsed from JSON. */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * Numbers as the stack file gave them, by dotted path (`applications.0.keyGeneration`), where
   * JavaScript reads them as another number (`9007199254740993`, `1.50`), so that messages
   * quote what the user wrote.
   */
  readonly numbersAsTyped?: Readonly<Record<string, string>>;
  readonly licenseKeyIsSet: boolean;
  /**
   * Whether the set license key is stored as a secret: false when it was written in plaintext,
   * undefined when it is not set or the Pulumi SDK cannot tell.
   */
  readonly licenseKeyIsSecret?: boolean;
  /**
   * Keys of `values` stored as secrets (set with --secret). Each is refused: this program writes
   * every setting but the license key to plain state and outputs, and sends repository URLs to
   * GitHub, so a secret there would only look protected. No message quotes their values.
   */
  readonly secretKeys?: readonly string[];
  /** Whether `github:token` or GITHUB_TOKEN is set; needed only to register deploy keys. */
  readonly githubTokenIsSet: boolean;
  /**
   * Whether `github:token` is stored as a secret: false when it was written in plaintext,
   * undefined when it is not set (GITHUB_TOKEN may still be) or the Pulumi SDK cannot tell.
   */
  readonly githubTokenIsSecret?: boolean;
  /** `aws:region`, when the stack sets it: the partition every ARN must be in. */
  readonly awsRegion?: string;
  /** The account the stack deploys to, when it was looked up. */
  readonly deployingAccount?: DeployingAccount;
}
