/** What a DeployKey gets when its arguments leave a setting open. */
export const deployKeyDefaults = {
  /** Write access only for Flux that pushes (image automation). */
  readOnly: true,
  registerOnGitHub: true,
  generation: 1,
} as const;
