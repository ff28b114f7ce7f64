/**
 * The key every stack had before rotation existed. Its resources keep their original names, so
 * a stack that never lists keys (or lists this one first) sees no replacement.
 */
export const DEFAULT_SEALING_KEY = "sealed-secrets-key";

/** What SealedSecrets gets when its arguments leave a setting open. */
export const sealedSecretsDefaults = {
  /** Sealing key names, oldest first. */
  keys: [DEFAULT_SEALING_KEY],
  waitForReadiness: true,
} as const;
