/**
 * The components, for use in any Pulumi program: each takes its settings as arguments (with the
 * defaults exported beside it) and never reads stack config. Deploy keys on GitHub are
 * registered with the GitHub provider given in `opts.providers`.
 */
export { ApplicationFlux, type ApplicationFluxArgs } from "./applicationFlux";
export { applicationFluxDefaults } from "./applicationFlux/defaults";
export { type PodSecurityLevel, podSecurityLevels } from "./applicationFlux/tenancy";
export type { ContainerDefaults } from "./applicationFlux/quantities";
export type { ResourceQuotaHard } from "./applicationFlux/resourceLimits";

export { DeployKey, type DeployKeyArgs, type StagedDeployKey } from "./deployKey";
export { repositoryToRegister } from "./deployKey/checks";
export { deployKeyDefaults } from "./deployKey/defaults";

export { ExternalDns, type ExternalDnsArgs } from "./externalDns";
export {
  externalDnsDefaults,
  type ExternalDnsIdentityMode,
  externalDnsIdentities,
  type ExternalDnsPolicy,
  externalDnsPolicies,
} from "./externalDns/defaults";
export type { ExternalDnsIdentity } from "./externalDns/identity";

export { MetricsServer, type MetricsServerArgs } from "./metricsServer";
export { metricsServerDefaults } from "./metricsServer/defaults";

export { NewRelic, type NewRelicArgs } from "./newRelic";
export { newRelicDefaults } from "./newRelic/defaults";

export { SealedSecrets, type SealedSecretsArgs } from "./sealedSecrets";
export { DEFAULT_SEALING_KEY, sealedSecretsDefaults } from "./sealedSecrets/defaults";
export type { SealingKeyRequest } from "./sealedSecrets/sealingKeys";

export { SystemFlux, type SystemFluxArgs } from "./systemFlux";
export { systemFluxDefaults } from "./systemFlux/defaults";

export {
  type GitRepository,
  type GitRepositoryLocation,
  type GitSource,
  type GitSourceArgs,
  gitSourceDefaults,
} from "./shared/gitSource";
export { parseRepositoryUrl, type ParsedRepositoryUrl } from "./shared/repositoryUrl";
export { versions } from "./versions";
