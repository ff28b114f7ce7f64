import { PLATFORM_NAMESPACES } from "../shared/namespaces";

/** What NewRelic gets when its arguments leave a setting open. */
export const newRelicDefaults = {
  namespace: PLATFORM_NAMESPACES.newRelic,
} as const;
