/**
 * The names this program shares with its users and their tools: the stack config namespace, the
 * keys read outside it, and the stack's output names. Plain data, so tooling (the seal CLI) can
 * import it without loading the program.
 */
import type { ClusterOutputs } from "./cluster";

/** Every setting of this program is a `k8s-flux:<key>` in Pulumi.<stack>.yaml. */
export const CONFIG_NAMESPACE = "k8s-flux";

/** The one setting that must be a secret: read separately, never parsed or quoted as a value. */
export const LICENSE_KEY = "newrelicLicenseKey";

/** The GitHub provider's token, needed only to register deploy keys. */
export const GITHUB_TOKEN_KEY = "github:token";

/** The AWS provider's region; its partition is the one every ARN in the stack must be in. */
export const AWS_REGION_KEY = "aws:region";

/** The stack's outputs by name: what `pulumi stack output <name>` and other tooling read. */
export const STACK_OUTPUTS = {
  sealedSecretsCert: "sealedSecretsCert",
  sealedSecretsKeys: "sealedSecretsKeys",
  sealedSecretsCertificates: "sealedSecretsCertificates",
  externalDnsRoleArn: "externalDnsRoleArn",
  systemFluxPublicKey: "systemFluxPublicKey",
  applicationPublicKeys: "applicationPublicKeys",
  deployKeysToAddByHand: "deployKeysToAddByHand",
  deployKeyGenerations: "deployKeyGenerations",
} as const satisfies { readonly [Name in keyof Required<ClusterOutputs>]: Name };
