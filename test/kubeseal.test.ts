/**
 * Proof against the real tool: kubeseal, built from the pinned module by `npm run tools:build`,
 * opens what the seal command writes (with the controller's own unsealing code, through
 * --recovery-unseal), and the test's reader opens what kubeseal writes, in every scope and with
 * binary values. Without a built kubeseal (no Go on this machine) the round trip is skipped and
 * its title says why; the wrapper's pin is checked either way.
 */
import { spawnSync } from "node:child_process";
import { type KeyObject } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binaryPath } from "../tools/go/cache";
import { hasGo } from "../tools/go/goCommand";
import { wrapperProblems } from "../tools/go/goMod";
import { kubesealTool } from "../tools/go/kubeseal/tool";
import { runSeal } from "../tools/seal/command";
import { encryptionLabel, SCOPES, type Scope } from "../tools/seal/scope";
import { makeKeyPair } from "./fixtures/seal/certificates";
import { openSealedSecret, openSealedValue, parseSealedSecret } from "./fixtures/seal/unseal";

const KUBESEAL_VERSION = kubesealTool.version;
const KUBESEAL_BINARY = binaryPath(kubesealTool);
const built = existsSync(KUBESEAL_BINARY);
const roundTripTitle = `round trip with kubeseal ${KUBESEAL_VERSION}${built ? "" : " skipped: kubeseal not built"}`;

async function whyNotBuilt(): Promise<string> {
  const remedy = (await hasGo(tmpdir()))
    ? "run `npm run tools:build -- kubeseal`"
    : "no Go toolchain on PATH";
  return `kubeseal not built: ${remedy}`;
}

/** Every byte value, twice, so anything that treats values as text shows up. */
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7 + 3) % 256));
const NAMESPACE = "payments";
const NAME = "db-credentials";

describe("the pinned kubeseal", () => {
  it("builds the kubeseal version tools/go/versions.ts pins", () => {
    const goMod = readFileSync(join(kubesealTool.wrapperDir, "go.mod"), "utf8");
    expect(wrapperProblems(kubesealTool, goMod)).toEqual([]);
    expect(goMod).toContain(
      `replace github.com/bitnami/sealed-secrets => github.com/bitnami-labs/sealed-secrets ${KUBESEAL_VERSION}`,
    );
  });

  // Reporters show a skip note (verbose: `[kubeseal not built: ...]`); a skipped describe has none.
  it(`kubeseal ${KUBESEAL_VERSION} is built for the round trip`, async ({ skip }) => {
    if (!built) skip(await whyNotBuilt());
    const version = spawnSync(KUBESEAL_BINARY, ["--version"], { encoding: "utf8" });
    expect(version.stdout.trim()).toBe(`kubeseal version: ${KUBESEAL_VERSION}`);
  });
});

describe.skipIf(!built)(roundTripTitle, () => {
  let dir: string;
  let privateKey: KeyObject;
  let certPath: string;
  let keyPath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "kubeseal-test-"));
    // The controller's default key size, so the 2-byte length prefix says 512.
    const keys = makeKeyPair({ modulusLength: 4096 });
    privateKey = keys.privateKey;
    certPath = write("cert.pem", keys.certificate);
    keyPath = write("key.pem", keys.privateKeyPem);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, contents: string | Buffer): string {
    const path = join(dir, name);
    writeFileSync(path, contents);
    return path;
  }

  function kubeseal(args: string[], input = ""): string {
    const run = spawnSync(KUBESEAL_BINARY, args, {
      input,
      encoding: "utf8",
      // No cluster: --cert and --recovery-* need none, and no user's kubeconfig may leak in.
      env: { ...process.env, KUBECONFIG: join(dir, "no-kubeconfig") },
    });
    if (run.status !== 0) throw new Error(`kubeseal ${args.join(" ")} failed: ${run.stderr}`);
    return run.stdout;
  }

  async function seal(args: string[], stdin = ""): Promise<string> {
    let stdout = "";
    let stderr = "";
    const code = await runSeal(["--cert", certPath, ...args], {
      readStdin: async () => Buffer.from(stdin),
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    return stdout;
  }

  interface UnsealedSecret {
    metadata: {
      name: string;
      namespace?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    type?: string;
    data: Record<string, string>;
  }

  /** kubeseal --recovery-unseal: the controller's Unseal, offline. */
  function recoveryUnseal(sealedText: string): UnsealedSecret {
    const args = ["--recovery-unseal", "--recovery-private-key", keyPath, "-o", "json"];
    return JSON.parse(kubeseal(args, sealedText)) as UnsealedSecret;
  }

  function bytesOf(secret: UnsealedSecret): Record<string, string> {
    return Object.fromEntries(
      Object.entries(secret.data).map(([key, value]) => [
        key,
        Buffer.from(value, "base64").toString("hex"),
      ]),
    );
  }

  const secretManifest = JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      labels: { "app.kubernetes.io/name": "payments" },
      annotations: { team: "billing" },
    },
    type: "Opaque",
    data: {
      "key.bin": BINARY.toString("base64"),
      password: Buffer.from("hunter2").toString("base64"),
    },
    stringData: { username: "admin" },
  });
  const expectedHex = {
    "key.bin": BINARY.toString("hex"),
    password: Buffer.from("hunter2").toString("hex"),
    username: Buffer.from("admin").toString("hex"),
  };

  describe("kubeseal opens what seal writes", () => {
    it.each(SCOPES)("%s scope, binary values", async (scope) => {
      const sealed = await seal(["--scope", scope], secretManifest);
      expect(
        Buffer.from(
          parseSealedSecret(sealed).spec.encryptedData.password ?? "",
          "base64",
        ).readUInt16BE(0),
      ).toBe(512);
      const secret = recoveryUnseal(sealed);
      expect(bytesOf(secret)).toEqual(expectedHex);
      expect(secret.metadata).toMatchObject({
        name: NAME,
        namespace: NAMESPACE,
        labels: { "app.kubernetes.io/name": "payments" },
      });
      expect(secret.metadata.annotations?.team).toBe("billing");
      expect(secret.type).toBe("Opaque");
    });

    it("JSON output and --from-file, cluster-wide without a namespace", async () => {
      const file = write("blob.bin", BINARY);
      const sealed = await seal([
        "--format",
        "json",
        "--scope",
        "cluster-wide",
        "--name",
        "anywhere",
        "--from-file",
        file,
      ]);
      expect(bytesOf(recoveryUnseal(sealed))).toEqual({ "blob.bin": BINARY.toString("hex") });
    });
  });

  describe("seal's reader opens what kubeseal writes", () => {
    it.each(SCOPES)("%s scope, whole Secret, same annotations as seal writes", async (scope) => {
      const theirs = kubeseal(["--cert", certPath, "--scope", scope, "-o", "yaml"], secretManifest);
      const opened = openSealedSecret(theirs, privateKey);
      expect(
        Object.fromEntries(Object.entries(opened).map(([k, v]) => [k, v.toString("hex")])),
      ).toEqual(expectedHex);
      const ours = parseSealedSecret(await seal(["--scope", scope], secretManifest));
      const kubesealMade = parseSealedSecret(theirs);
      expect(ours.metadata.annotations).toEqual(kubesealMade.metadata.annotations);
      expect(ours.spec.template).toEqual(kubesealMade.spec.template);
    });

    it.each(SCOPES)("%s scope, --raw value from a binary file", (scope: Scope) => {
      const file = write("raw.bin", BINARY);
      const identity =
        scope === "strict"
          ? ["--name", NAME, "--namespace", NAMESPACE]
          : scope === "namespace-wide"
            ? ["--namespace", NAMESPACE]
            : [];
      const value = kubeseal([
        "--cert",
        certPath,
        "--raw",
        "--scope",
        scope,
        ...identity,
        "--from-file",
        file,
      ]);
      const label = encryptionLabel(scope, NAMESPACE, NAME).toString("utf8");
      expect(openSealedValue(value.trim(), privateKey, label).equals(BINARY)).toBe(true);
    });
  });

  describe("--merge-into", () => {
    it.each(SCOPES)(
      "seal adds a key to a %s file kubeseal made; kubeseal opens them all",
      async (scope) => {
        const path = write(
          `merge-${scope}.yaml`,
          kubeseal(["--cert", certPath, "--scope", scope, "-o", "yaml"], secretManifest),
        );
        const binary = write("added.bin", BINARY.subarray(0, 100));
        await seal([
          "--merge-into",
          path,
          "--from-literal",
          "password=changed",
          "--from-file",
          `added=${binary}`,
        ]);
        expect(bytesOf(recoveryUnseal(readFileSync(path, "utf8")))).toEqual({
          ...expectedHex,
          password: Buffer.from("changed").toString("hex"),
          added: BINARY.subarray(0, 100).toString("hex"),
        });
      },
    );

    it("kubeseal merges into a file seal made; seal's reader opens every key", async () => {
      const path = write(
        "merge-theirs.json",
        await seal(["--scope", "namespace-wide", "--format", "json"], secretManifest),
      );
      const update = JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: NAME, namespace: NAMESPACE },
        stringData: { token: "t0k3n" },
      });
      kubeseal(["--cert", certPath, "--scope", "namespace-wide", "--merge-into", path], update);
      const values = openSealedSecret(readFileSync(path, "utf8"), privateKey);
      expect(values.token?.toString()).toBe("t0k3n");
      expect(values["key.bin"]?.equals(BINARY)).toBe(true);
    });
  });
});
