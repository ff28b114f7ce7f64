import { createHash } from "node:crypto";
import { CONFIG_NAMESPACE, GITHUB_TOKEN_KEY, LICENSE_KEY } from "../../stacks/names";

const PRIVATE_KEY_MARK = "FAKE-TEST-KEY";

/** A resource name's letters and digits, which name its fake keys. */
const keyTag = (name: string): string => name.replace(/[^A-Za-z0-9]/g, "");

/**
 * The fake values a mocked stack run deals in: key material and AWS answers the mocked
 * providers hand out, and the secrets it is given. None is real, and a rendering refuses any
 * key material that is not one of these.
 */
export const FAKE = {
  /**
   * The key pair of the tls PrivateKey named `name`: each key its own, so a test can tell that a
   * Secret holds the private half of the key whose public half it shows.
   */
  privateKeyPem: (name: string) =>
    `-----BEGIN EC PRIVATE KEY-----\n${PRIVATE_KEY_MARK}-${keyTag(name)}\n-----END EC PRIVATE KEY-----\n`,
  publicKeyOpenssh: (name: string) => `ecdsa-sha2-nistp384 AAAAFAKE${keyTag(name)}\n`,
  /** What every fake private key holds: finding it in plain text finds a leaked key. */
  privateKeyMark: PRIVATE_KEY_MARK,
  certPem: "-----BEGIN CERTIFICATE-----\nFAKE-TEST-CERT\n-----END CERTIFICATE-----\n",
  /**
   * The uid the API server gives the Kubernetes object of resource `name` when it creates it. A
   * real uid is random and new with each creation; this one is fixed by the resource's type and
   * name, so runs are deterministic, and UUID-shaped like a real one.
   */
  uid: (type: string, name: string) =>
    createHash("sha256")
      .update(`${type}::${name}`)
      .digest("hex")
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*$/, "$1-$2-$3-$4-$5"),
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

/** Whether a PEM block (without its last newline) is key material the mocks hand out. */
export function isFakePemBlock(block: string): boolean {
  // A fake private key's body line is the mark and the tag of the key it belongs to.
  const tag = block.split("\n")[1]?.slice(`${PRIVATE_KEY_MARK}-`.length) ?? "";
  return block === FAKE.certPem.trim() || block === FAKE.privateKeyPem(tag).trim();
}
