import { deployStack } from "./stacks/deploy";

// Pulumi runs an exported function and exports what it returns as the stack's outputs:
// sealedSecretsCert, sealedSecretsKeys, sealedSecretsCertificates, externalDnsRoleArn,
// systemFluxPublicKey, applicationPublicKeys, deployKeysToAddByHand and deployKeyGenerations.
export = deployStack;
