/**
 * The mocks' fake key material: each tls PrivateKey gets a pair of its own, so a test can tell
 * whose private half a Secret holds, and a rendering can tell a fake PEM block from any other.
 * Key material is compared as booleans, so a failure never prints it.
 */
import { describe, expect, it } from "vitest";
import { FAKE, isFakePemBlock } from "../tools/mocks/fakes";

describe("the mocks' fake keys", () => {
  it("give every key name a private key of its own, named like its public key", () => {
    const first = FAKE.privateKeyPem("payments-deploy-key-key");
    const second = FAKE.privateKeyPem("payments-deploy-key-key-gen2");
    expect([first === second, first === FAKE.privateKeyPem("payments-deploy-key-key")]).toEqual([
      false,
      true,
    ]);
    expect([first.includes(FAKE.privateKeyMark), second.includes(FAKE.privateKeyMark)]).toEqual([
      true,
      true,
    ]);
    expect(FAKE.publicKeyOpenssh("payments-deploy-key-key")).toBe(
      "ecdsa-sha2-nistp384 AAAAFAKEpaymentsdeploykeykey\n",
    );
  });

  it("are the only PEM blocks that count as fake", () => {
    const fakes = [FAKE.certPem, FAKE.privateKeyPem("sealed-secrets-key"), FAKE.privateKeyPem("")];
    expect(fakes.map((block) => isFakePemBlock(block.trim()))).toEqual([true, true, true]);
    const lookalikes = [
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEnotfake\n-----END RSA PRIVATE KEY-----",
      // The fake's first lines, then a real key's body.
      `${FAKE.privateKeyPem("a").trim().replace("\n-----END", "\nMIIEreal\n-----END")}`,
      "-----BEGIN EC PRIVATE KEY-----\nFAKE-TEST-KEY-a-b\n-----END EC PRIVATE KEY-----",
      "-----BEGIN CERTIFICATE-----\nMIIBreal\n-----END CERTIFICATE-----",
    ];
    expect(lookalikes.map(isFakePemBlock)).toEqual([false, false, false, false]);
  });
});
