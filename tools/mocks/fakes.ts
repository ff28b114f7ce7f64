import { CONFIG_NAMESPACE, GITHUB_TOKEN_KEY, LICENSE_KEY } from "../../stacks/names";

/**
 * The fake values a mocked stack run deals in: key material and AWS answers the mocked
 * providers hand out, and the secrets it is given. None is real, and a rendering refuses any
 * key material that is not one of these.
 */
export const FAKE = {
  privateKeyPem: "-----BEGIN EC PRIVATE KEY-----\nFAKE-TEST-KEY\n-----END EC PRIVATE KEY-----\n",
  publicKeyOpenssh: (name: string) =>
    `ecdsa-sha2-nistp384 AAAAFAKE${name.replace(/[^A-Za-z0-9]/g, "")}\n`,
  certPem: "-----BEGIN CERTIFICATE-----\nFAKE-TEST-CERT\n-----END CERTIFICATE-----\n",
  oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/LOOKEDUP0000000000000000000000",
  oidcProviderArn:
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/LOOKEDUP0000000000000000000000",
  /** The EKS cluster every lookup by name finds. */
  eksClusterArn: "arn:aws:eks:eu-west-1:123456789012:cluster/looked-up",
  /** The account the stack deploys to, as sts:GetCallerIdentity answers, and who asked. */
  accountId: "123456789012",
  callerArn: "arn:aws:iam::123456789012:user/deployer",
  /** Secret config values; they must never appear in any recorded plain output. */
  githubToken: "ghp_TESTTOKEN000000000000000000000000000",
  licenseKey: "TEST-LICENSE-0123456789abcdef0123456789abcdef",
};

/** The secret config a real stack has, by full config key, with fake values. */
export const FAKE_SECRETS: Readonly<Record<string, string>> = {
  [GITHUB_TOKEN_KEY]: FAKE.githubToken,
  [`${CONFIG_NAMESPACE}:${LICENSE_KEY}`]: FAKE.licenseKey,
};
