import { gitSourceDefaults } from "../shared/gitSource";
import { PLATFORM_NAMESPACES } from "../shared/namespaces";

/** What SystemFlux gets when its arguments leave a setting open. */
export const systemFluxDefaults = {
  ...gitSourceDefaults,
  /** Not a choice: the Flux Operator watches only this namespace for its FluxInstance. */
  namespace: PLATFORM_NAMESPACES.flux,
  imageAutomation: false,
  /** The first deploy key; raise the generation to rotate it. */
  keyGeneration: 1,
  installOperator: true,
  /** The operator's web UI has no login: off unless asked for. */
  operatorWebUi: false,
  registerDeployKey: true,
  waitForReadiness: true,
} as const;
