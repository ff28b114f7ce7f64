import { gitSourceDefaults } from "../shared/gitSource";
import type { PodSecurityLevel } from "./tenancy";

/** What an ApplicationFlux tenant gets when its arguments leave a setting open. */
export const applicationFluxDefaults = {
  ...gitSourceDefaults,
  /** Enforced in both of the tenant's namespaces. */
  podSecurity: "baseline" satisfies PodSecurityLevel,
  /** The first deploy key; raise the generation to rotate it. */
  keyGeneration: 1,
  registerDeployKey: true,
  /** No NetworkPolicy: tenants' pods reach each other unless asked. */
  networkPolicy: false,
  waitForReadiness: true,
} as const;
