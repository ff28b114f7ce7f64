/**
 * The seal command, in-process: every value opens again with the private key under its scope's
 * label (and under no other), the SealedSecret carries kubeseal's annotations and template,
 * --merge-into edits a file the way kubeseal does, and every bad input gets one line on stderr,
 * its exit code, and no output. Certificates are made fresh by test/fixtures/seal.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSeal } from "../tools/seal/command";
import { describeUnexpectedError } from "../tools/seal/errors";
import { sealedValueLength, sealValue } from "../tools/seal/sealing";
import { encryptionLabel, SCOPES } from "../tools/seal/scope";
import { certify, makeKeyPair } from "./fixtures/seal/certificates";
import {
  labelOf,
  openSealedSecret,
  openSealedValue,
  parseSealedSecret,
} from "./fixtures/seal/unseal";

const NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide";
const CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide";
const DAY_MS = 24 * 60 * 60 * 1000;

/** Every byte value, so encodings that mangle binary data show up. */
const BINARY = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7 + 3) % 256));

let dir: string;
let privateKey: KeyObject;
let certPath: string;
let certificatePem: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "seal-test-"));
  const keys = makeKeyPair();
  privateKey = keys.privateKey;
  certificatePem = keys.certificate;
  certPath = write("cert.pem", keys.certificate);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, contents: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function seal(
  args: string[],
  stdin?: string | null,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runSeal(args, {
    // null: stdin is a terminal; undefined: nothing piped, i.e. an empty stream.
    readStdin: async () => (stdin === null ? undefined : Buffer.from(stdin ?? "")),
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
  });
  return { code, stdout, stderr };
}

function secretYaml(fields: {
  name?: string;
  namespace?: string;
  annotations?: Record<string, string>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      ...(fields.name === undefined ? {} : { name: fields.name }),
      ...(fields.namespace === undefined ? {} : { namespace: fields.namespace }),
      ...(fields.annotations ? { annotations: fields.annotations } : {}),
    },
    type: "Opaque",
    ...(fields.data ? { data: fields.data } : {}),
    ...(fields.stringData ? { stringData: fields.stringData } : {}),
  });
}

const KUBECTL_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: payments
  labels:
    app.kubernetes.io/name: payments
  annotations:
    team: "on"
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"aHVudGVyMg=="}}'
type: kubernetes.io/basic-auth
immutable: true
data:
  password: aHVudGVyMg==
stringData:
  username: admin
`;

function expectOneLineError(run: Run, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^seal: [^\n]+\n$/);
  expect(run.stderr).toMatch(message);
}

describe("sealValue", () => {
  const target = { namespace: "payments", name: "db-credentials" };

  it.each(SCOPES)("opens to the same bytes under the %s label", (scope) => {
    const sealed = sealValue({ publicKey: certificatePem, scope, ...target }, BINARY);
    const label = encryptionLabel(scope, target.namespace, target.name).toString("utf8");
    expect(openSealedValue(sealed, privateKey, label).equals(BINARY)).toBe(true);
  });

  it("labels strict as namespace/name, namespace-wide as namespace, cluster-wide as empty", () => {
    expect(encryptionLabel("strict", "payments", "db").toString()).toBe("payments/db");
    expect(encryptionLabel("namespace-wide", "payments", "db").toString()).toBe("payments");
    expect(encryptionLabel("cluster-wide", "payments", "db").length).toBe(0);
  });

  it.each(SCOPES)("a value sealed %s does not open under any other scope's label", (scope) => {
    const sealed = sealValue({ publicKey: certificatePem, scope, ...target }, BINARY);
    const others = SCOPES.filter((other) => other !== scope);
    for (const other of others) {
      const label = encryptionLabel(other, target.namespace, target.name).toString("utf8");
      expect(() => openSealedValue(sealed, privateKey, label)).toThrow();
    }
    // The name and namespace are in the strict label, so they matter too.
    if (scope === "strict") {
      expect(() => openSealedValue(sealed, privateKey, "payments/other")).toThrow();
    }
  });

  it("lays out length, RSA block and GCM ciphertext with tag, and never repeats itself", () => {
    const value = Buffer.from("hunter2");
    const first = sealValue({ publicKey: certificatePem, scope: "strict", ...target }, value);
    const second = sealValue({ publicKey: certificatePem, scope: "strict", ...target }, value);
    const bytes = Buffer.from(first, "base64");
    expect(bytes.readUInt16BE(0)).toBe(256); // 2048-bit modulus
    expect(bytes.length).toBe(2 + 256 + value.length + 16);
    expect(first).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(second).not.toBe(first);
  });
});

describe("seal with a Secret on stdin", () => {
  it("seals kubectl's output: values open, template keeps type, labels, annotations, immutable", async () => {
    const run = await seal(["--cert", certPath], KUBECTL_SECRET);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const sealed = parseSealedSecret(run.stdout);
    expect(sealed.apiVersion).toBe("bitnami.com/v1alpha1");
    expect(sealed.kind).toBe("SealedSecret");
    expect(sealed.metadata).toEqual({ name: "db-credentials", namespace: "payments" });
    expect(sealed.spec.template).toEqual({
      metadata: {
        name: "db-credentials",
        namespace: "payments",
        labels: { "app.kubernetes.io/name": "payments" },
        // The last-applied copy holds the values in clear; it must not survive.
        annotations: { team: "on" },
      },
      type: "kubernetes.io/basic-auth",
      immutable: true,
    });
    // "on" is a boolean to YAML 1.1 readers such as kubectl, so it must come out quoted.
    expect(run.stdout).toContain('team: "on"');
    const values = openSealedSecret(run.stdout, privateKey);
    expect(Object.keys(values).sort()).toEqual(["password", "username"]);
    expect(values.password?.toString()).toBe("hunter2");
    expect(values.username?.toString()).toBe("admin");
  });

  it.each([
    ["namespace-wide", NAMESPACE_WIDE, "payments"],
    ["cluster-wide", CLUSTER_WIDE, ""],
  ] as const)(
    "--scope %s annotates both metadata and template",
    async (scope, annotation, label) => {
      const run = await seal(["--cert", certPath, "--scope", scope], KUBECTL_SECRET);
      expect(run.code).toBe(0);
      const sealed = parseSealedSecret(run.stdout);
      expect(sealed.metadata.annotations).toEqual({ [annotation]: "true" });
      expect(sealed.spec.template.metadata?.annotations).toEqual({
        team: "on",
        [annotation]: "true",
      });
      expect(labelOf(sealed)).toBe(label);
      expect(openSealedSecret(run.stdout, privateKey).password?.toString()).toBe("hunter2");
    },
  );

  it("takes the scope from the Secret's annotations unless --scope says otherwise", async () => {
    const input = secretYaml({
      name: "shared",
      namespace: "payments",
      annotations: { [CLUSTER_WIDE]: "true" },
      stringData: { token: "t" },
    });
    const implicit = parseSealedSecret((await seal(["--cert", certPath], input)).stdout);
    expect(implicit.metadata.annotations).toEqual({ [CLUSTER_WIDE]: "true" });

    const run = await seal(["--cert", certPath, "--scope", "namespace-wide"], input);
    const explicit = parseSealedSecret(run.stdout);
    expect(explicit.metadata.annotations).toEqual({ [NAMESPACE_WIDE]: "true" });
    expect(explicit.spec.template.metadata?.annotations).toEqual({ [NAMESPACE_WIDE]: "true" });
    expect(openSealedSecret(run.stdout, privateKey).token?.toString()).toBe("t");

    const strict = parseSealedSecret(
      (await seal(["--cert", certPath, "--scope", "strict"], input)).stdout,
    );
    expect(strict.metadata.annotations).toBeUndefined();
    expect(strict.spec.template.metadata?.annotations).toBeUndefined();
  });

  it("reads JSON and writes JSON, binary data intact", async () => {
    const input = secretYaml({
      name: "blob",
      namespace: "payments",
      data: { "key.bin": BINARY.toString("base64") },
    });
    const run = await seal(["--cert", certPath, "--format", "json"], input);
    expect(run.code).toBe(0);
    expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
    expect(openSealedSecret(run.stdout, privateKey)["key.bin"]?.equals(BINARY)).toBe(true);
  });

  it("lets --name and --namespace fill in what the Secret leaves out", async () => {
    const input = secretYaml({ stringData: { a: "1" } });
    const run = await seal(["--cert", certPath, "--name", "n", "--namespace", "ns"], input);
    expect(run.code).toBe(0);
    expect(parseSealedSecret(run.stdout).metadata).toEqual({ name: "n", namespace: "ns" });
    expect(openSealedSecret(run.stdout, privateKey).a?.toString()).toBe("1");
  });

  it("seals cluster-wide without a namespace", async () => {
    const input = secretYaml({ name: "everywhere", stringData: { a: "1" } });
    const run = await seal(["--cert", certPath, "--scope", "cluster-wide"], input);
    expect(run.code).toBe(0);
    const sealed = parseSealedSecret(run.stdout);
    expect(sealed.metadata).toEqual({
      name: "everywhere",
      annotations: { [CLUSTER_WIDE]: "true" },
    });
    expect(openSealedValue(sealed.spec.encryptedData.a ?? "", privateKey, "").toString()).toBe("1");
  });
});

describe("seal with --from-literal and --from-file", () => {
  it("builds an Opaque Secret; a file's key defaults to its name, bytes kept as they are", async () => {
    const binaryFile = write("tls.key", BINARY);
    const namedFile = write("other.txt", "from a file\n");
    const run = await seal([
      "--cert",
      certPath,
      "--name",
      "mixed",
      "-n",
      "payments",
      "--from-literal",
      "password=s3cr=t",
      "--from-file",
      binaryFile,
      "--from-file",
      `config=${namedFile}`,
    ]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const sealed = parseSealedSecret(run.stdout);
    expect(sealed.spec.template).toEqual({
      metadata: { name: "mixed", namespace: "payments" },
      type: "Opaque",
    });
    const values = openSealedSecret(run.stdout, privateKey);
    expect(Object.keys(values).sort()).toEqual(["config", "password", "tls.key"]);
    expect(values.password?.toString()).toBe("s3cr=t");
    expect(values["tls.key"]?.equals(BINARY)).toBe(true);
    expect(values.config?.toString()).toBe("from a file\n");
  });
});

describe("seal --stack", () => {
  /** A stand-in pulumi that prints what the real one would for `stack output --json`. */
  function fakePulumi(script: string): NodeJS.ProcessEnv {
    const bin = mkdtempSync(join(dir, "bin-"));
    const path = join(bin, "pulumi");
    writeFileSync(path, `#!/bin/sh\n${script}\n`);
    chmodSync(path, 0o755);
    return { PATH: `${bin}:/usr/bin:/bin` };
  }

  it("seals with the stack's sealedSecretsCert output", async () => {
    const output = write("stack-output.json", JSON.stringify(certificatePem));
    const env = fakePulumi(
      `[ "$*" = "stack output sealedSecretsCert --stack dev --json" ] || exit 9\ncat '${output}'`,
    );
    const run = await seal(["--stack", "dev"], KUBECTL_SECRET, env);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(openSealedSecret(run.stdout, privateKey).username?.toString()).toBe("admin");
  });

  it("says so when the pulumi CLI is missing", async () => {
    const run = await seal(["--stack", "dev"], KUBECTL_SECRET, { PATH: join(dir, "nowhere") });
    expectOneLineError(run, 1, /the pulumi CLI is not on PATH.*--cert FILE/);
  });

  it("says so when the stack has no sealedSecretsCert output", async () => {
    const env = fakePulumi(
      `echo "error: current stack does not have output property 'sealedSecretsCert'" >&2\nexit 255`,
    );
    const run = await seal(["--stack", "dev"], KUBECTL_SECRET, env);
    expectOneLineError(
      run,
      1,
      /stack dev has no sealedSecretsCert output; run `pulumi up --stack dev`/,
    );
  });

  it("passes on pulumi's own error for anything else", async () => {
    const env = fakePulumi(`echo "error: no stack named 'nope' found" >&2\nexit 255`);
    const run = await seal(["--stack", "nope"], KUBECTL_SECRET, env);
    expectOneLineError(
      run,
      1,
      /pulumi stack output failed for stack nope: error: no stack named 'nope' found/,
    );
  });
});

describe("seal --merge-into", () => {
  async function sealedFile(name: string, args: string[], input: string): Promise<string> {
    const run = await seal(["--cert", certPath, ...args], input);
    expect(run.code).toBe(0);
    return write(name, run.stdout);
  }

  it.each(SCOPES)(
    "adds and replaces keys of a %s file in place, keeping the rest and its comments",
    async (scope) => {
      const input = secretYaml({
        name: "app",
        namespace: "payments",
        stringData: { keep: "old", change: "old" },
      });
      const path = await sealedFile(`merge-${scope}.yaml`, ["--scope", scope], input);
      writeFileSync(path, `# sealed for payments\n${readFileSync(path, "utf8")}`);
      const before = parseSealedSecret(readFileSync(path, "utf8"));

      const run = await seal([
        "--cert",
        certPath,
        "--merge-into",
        path,
        "--from-literal",
        "change=new",
        "--from-literal",
        "added=fresh",
      ]);
      expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
      const text = readFileSync(path, "utf8");
      expect(text.startsWith("# sealed for payments\n")).toBe(true);
      const after = parseSealedSecret(text);
      expect(after.metadata).toEqual(before.metadata);
      expect(after.spec.template).toEqual(before.spec.template);
      expect(after.spec.encryptedData.keep).toBe(before.spec.encryptedData.keep);
      const values = openSealedSecret(text, privateKey);
      expect(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.toString()]))).toEqual(
        {
          keep: "old",
          change: "new",
          added: "fresh",
        },
      );
    },
  );

  it("keeps a JSON file JSON and merges the Secret's template labels", async () => {
    const input = secretYaml({ name: "app", namespace: "payments", stringData: { a: "1" } });
    const path = await sealedFile("merge.json", ["--format", "json"], input);
    const update = `apiVersion: v1
kind: Secret
metadata:
  labels: {tier: backend}
stringData:
  b: "2"
`;
    const run = await seal(["--cert", certPath, "--merge-into", path], update);
    expect(run.code).toBe(0);
    const text = readFileSync(path, "utf8");
    const after = JSON.parse(text) as { spec: { template: { metadata: { labels: unknown } } } };
    expect(after.spec.template.metadata.labels).toEqual({ tier: "backend" });
    const values = openSealedSecret(text, privateKey);
    expect([values.a?.toString(), values.b?.toString()]).toEqual(["1", "2"]);
  });

  it.each([
    [
      "another name",
      ["--name", "other"],
      /--merge-into \S+ is named "app" but the Secret is named "other"/,
    ],
    [
      "another namespace",
      ["--namespace", "billing"],
      /--merge-into \S+ is in namespace "payments" but the Secret is in "billing"/,
    ],
    [
      "another scope",
      ["--scope", "cluster-wide"],
      /--merge-into \S+ is sealed strict, but cluster-wide was asked for/,
    ],
  ])("refuses %s and leaves the file untouched", async (_, extra, message) => {
    const input = secretYaml({ name: "app", namespace: "payments", stringData: { a: "1" } });
    const path = await sealedFile("mismatch.yaml", [], input);
    const before = readFileSync(path);
    const modified = statSync(path).mtimeMs;
    const run = await seal([
      "--cert",
      certPath,
      "--merge-into",
      path,
      "--from-literal",
      "a=2",
      ...extra,
    ]);
    expectOneLineError(run, 1, message);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(statSync(path).mtimeMs).toBe(modified);
  });

  it("refuses a file that is not a SealedSecret, or cannot be read", async () => {
    const notSealed = write("plain.yaml", KUBECTL_SECRET);
    const run = await seal([
      "--cert",
      certPath,
      "--merge-into",
      notSealed,
      "--from-literal",
      "a=1",
    ]);
    expectOneLineError(run, 1, /--merge-into \S+plain\.yaml is not a SealedSecret/);
    expect(readFileSync(notSealed, "utf8")).toBe(KUBECTL_SECRET);

    const missing = join(dir, "missing.yaml");
    const gone = await seal(["--cert", certPath, "--merge-into", missing, "--from-literal", "a=1"]);
    expectOneLineError(gone, 1, /cannot read --merge-into \S+missing\.yaml: no such file/);
  });
});

describe("bad input: one line on stderr, an exit code, nothing written", () => {
  let expiredPath: string;
  let futurePath: string;
  let ecPath: string;

  beforeAll(() => {
    // These certificates are refused before any sealing, so a small, quick RSA key will do.
    const keys = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const now = Date.now();
    expiredPath = write(
      "expired.pem",
      certify(keys, {
        notBefore: new Date(now - 30 * DAY_MS),
        notAfter: new Date(now - DAY_MS),
      }).certificate,
    );
    futurePath = write(
      "future.pem",
      certify(keys, { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 30 * DAY_MS) })
        .certificate,
    );
    ecPath = write("ec.pem", makeKeyPair({ keyType: "ec" }).certificate);
  });

  const literal = ["--name", "n", "--namespace", "ns", "--from-literal", "a=1"];

  it.each([
    [
      "an expired certificate",
      () => ["--cert", expiredPath],
      /certificate \S+expired\.pem expired on \d{4}-/,
    ],
    [
      "a certificate not yet valid",
      () => ["--cert", futurePath],
      /certificate \S+future\.pem is not valid before \d{4}-.*clock/,
    ],
    [
      "a non-RSA certificate",
      () => ["--cert", ecPath],
      /certificate \S+ec\.pem holds a ec key; Sealed Secrets seals only with an RSA certificate/,
    ],
    [
      "an unreadable certificate file",
      () => ["--cert", join(dir, "absent.pem")],
      /cannot read certificate \S+absent\.pem: no such file/,
    ],
    [
      "a certificate file without a certificate",
      () => ["--cert", write("not-a-cert.pem", "hello\n")],
      /holds no PEM certificate/,
    ],
  ])("%s", async (_, certArgs, message) => {
    expectOneLineError(await seal([...certArgs(), ...literal]), 1, message);
  });

  it.each([
    [
      "a Secret without a name",
      secretYaml({ namespace: "ns", stringData: { a: "1" } }),
      [],
      /the Secret has no name/,
    ],
    [
      "a cluster-wide Secret without a name",
      secretYaml({ stringData: { a: "1" } }),
      ["--scope", "cluster-wide"],
      /the Secret has no name/,
    ],
    [
      "a Secret without a namespace",
      secretYaml({ name: "n", stringData: { a: "1" } }),
      [],
      /the Secret has no namespace; .*--namespace/,
    ],
    [
      "a namespace-wide Secret without a namespace",
      secretYaml({ name: "n", stringData: { a: "1" } }),
      ["--scope", "namespace-wide"],
      /the Secret has no namespace/,
    ],
    ["an empty stdin", "", [], /stdin is empty; pipe a Secret/],
    ["whitespace on stdin", "\n  \n", [], /stdin is empty/],
    [
      "stdin that is not a Secret",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
      [],
      /stdin is not a Secret \(kind: ConfigMap\)/,
    ],
    [
      "a kind that hides a character",
      'apiVersion: v1\nkind: "Sec\u202Eret"\nmetadata: {name: c}\n',
      [],
      /stdin is not a Secret \(kind: Sec\\u202Eret\)/,
    ],
    [
      "stdin that is not YAML",
      "kind: [Secret\n",
      [],
      /^seal: stdin is not valid YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a \] \(line 2, column 1\)\n$/,
    ],
    [
      "two Secrets on stdin",
      `${secretYaml({ name: "a", namespace: "n", stringData: { a: "1" } })}\n---\n${secretYaml({ name: "b", namespace: "n", stringData: { a: "1" } })}`,
      [],
      /stdin holds 2 documents; seal one Secret at a time/,
    ],
    [
      "data that is not base64",
      secretYaml({ name: "n", namespace: "ns", data: { a: "not base64!" } }),
      [],
      /data\.a is not valid base64/,
    ],
    [
      "an empty value in data",
      secretYaml({ name: "n", namespace: "ns", data: { a: "" } }),
      [],
      /key a has an empty value/,
    ],
    [
      "a Secret without data",
      secretYaml({ name: "n", namespace: "ns" }),
      [],
      /the Secret has no data/,
    ],
    [
      "a key Kubernetes would refuse",
      secretYaml({ name: "n", namespace: "ns", stringData: { "a/b": "1" } }),
      [],
      /key "a\/b" is not a valid Secret key/,
    ],
    [
      "a stringData value YAML 1.1 reads as a boolean",
      "apiVersion: v1\nkind: Secret\nmetadata: {name: web, namespace: ns}\nstringData:\n  enabled: yes\n",
      [],
      /stringData\.enabled must be a string; quote it/,
    ],
    [
      "a name that contradicts --name",
      secretYaml({ name: "a", namespace: "ns", stringData: { a: "1" } }),
      ["--name", "b"],
      /the Secret on stdin is named "a" but --name says "b"/,
    ],
  ])("%s", async (_, stdin, extra, message) => {
    expectOneLineError(await seal(["--cert", certPath, ...extra], stdin), 1, message);
  });

  it.each([
    ["an empty --from-literal value", ["--from-literal", "a="], /key a has an empty value/],
    [
      "an empty --from-file",
      () => ["--from-file", write("empty", "")],
      /key empty has an empty value/,
    ],
    [
      "an unreadable --from-file, named by its position",
      () => ["--from-literal", "a=1", "--from-file", `k=${join(dir, "absent")}`],
      /^seal: cannot read --from-file #1: no such file\n$/,
    ],
    [
      "a --from-file directory, named by its position",
      () => ["--from-file", `k=${write("k", "1")}`, "--from-file", `d=${dir}`],
      /^seal: cannot read --from-file #2: it is a directory\n$/,
    ],
    [
      "a key given twice",
      ["--from-literal", "a=1", "--from-literal", "a=2"],
      /key a is given twice/,
    ],
  ] as const)("%s", async (_, flags, message) => {
    const args = typeof flags === "function" ? flags() : [...flags];
    expectOneLineError(
      await seal(["--cert", certPath, "--name", "n", "--namespace", "ns", ...args]),
      1,
      message,
    );
  });

  it.each([
    [
      "an unknown scope",
      ["--cert", "c", "--scope", "global"],
      /unknown scope "global"; use one of strict, namespace-wide, cluster-wide/,
    ],
    [
      "an unknown format",
      ["--cert", "c", "--format", "toml"],
      /unknown format "toml"; use one of yaml, json/,
    ],
    [
      "an unknown flag",
      ["--cert", "c", "--controller-name", "x"],
      /unknown flag --controller-name; see --help/,
    ],
    [
      "a positional argument",
      ["--cert", "c", "secret.yaml"],
      /^seal: unexpected argument #3, which is no flag's value; see --help\n$/,
    ],
    ["a flag without its value", ["--cert"], /^seal: --cert needs a value; see --help\n$/],
    [
      "a flag given twice",
      ["--cert", "c", "--cert", "d"],
      /^seal: --cert is given twice; give it once; see --help\n$/,
    ],
    [
      "no certificate",
      ["--name", "n"],
      /say which certificate to seal with: --stack STACK or --cert FILE/,
    ],
    ["two certificates", ["--cert", "c", "--stack", "dev"], /either --cert or --stack, not both/],
    [
      "a --from-literal without =",
      ["--cert", "c", "--from-literal", "novalue"],
      /^seal: --from-literal #1 has no "=" \(expected KEY=VALUE\); see --help\n$/,
    ],
  ])("%s is a usage error (exit 2)", async (_, args, message) => {
    expectOneLineError(await seal(args, KUBECTL_SECRET), 2, message);
  });

  it("asks for input instead of waiting on a terminal", async () => {
    expectOneLineError(
      await seal(["--cert", certPath], null),
      2,
      /^seal: no Secret given: pipe one \(YAML or JSON\) into stdin, or use --from-literal\/--from-file; see --help\n$/,
    );
  });
});

describe("mistyped input never shows a secret value", () => {
  const SECRET = "Sup3rS3cret!";
  const QUOTE_HINT = "quote values that start with *, & or !";
  const UNRESOLVED = `seal: stdin is not valid YAML or JSON: a value starts with * (a YAML alias) that no & anchor defines; ${QUOTE_HINT}\n`;

  /** A Secret whose password was meant to be `*Sup3rS3cret!` but was left unquoted. */
  const UNQUOTED_ALIAS = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {password: *${SECRET}}
`;

  function expectNoSecret(run: Run): void {
    expect(run.stdout).not.toContain(SECRET);
    expect(run.stderr).not.toContain(SECRET);
    // Either half: YAML syntax such as `!Sup3r S3cret` splits a value in two.
    expect(run.stderr).not.toContain("Sup3r");
    expect(run.stderr).not.toContain("S3cret");
  }

  /** A symbolic link to itself, named after the secret, which no read can follow. */
  function symlinkLoop(): string {
    const path = join(dir, SECRET);
    rmSync(path, { force: true });
    symlinkSync(path, path);
    return path;
  }

  /** A Secret whose password is `value`, written into the YAML as it stands (column 13). */
  const withPassword = (value: string, field = "stringData"): string => `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop, labels: {team: &${SECRET} payments}}
${field}:
  password: ${value}
`;

  it("refuses an unquoted value that YAML reads as an alias, without naming it", async () => {
    const run = await seal(["--cert", certPath], UNQUOTED_ALIAS);
    expect(run).toEqual({ code: 1, stdout: "", stderr: UNRESOLVED });
    expectNoSecret(run);
  });

  it("says the same from the executable, where it used to be a stack trace", () => {
    const bin = join(__dirname, "..", "tools", "seal", "bin.mjs");
    const run = spawnSync(bin, ["--cert", certPath], { input: UNQUOTED_ALIAS, encoding: "utf8" });
    expect({ code: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr: UNRESOLVED,
    });
  });

  it("refuses aliases that expand too often, and anchors that do not resolve", async () => {
    const manyAliases = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData:
  a: &${SECRET} [x]
  b: [${Array.from({ length: 120 }, () => `*${SECRET}`).join(", ")}]
`;
    const flood = await seal(["--cert", certPath], manyAliases);
    expect(flood).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: stdin is not valid YAML or JSON: its YAML aliases (*) expand too many times to read safely; ${QUOTE_HINT}\n`,
    });
    expectNoSecret(flood);

    const badMerge = `apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData:
  password: &${SECRET} value
  more:
    <<: *${SECRET}
`;
    const merge = await seal(["--cert", certPath], badMerge);
    expect(merge).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: stdin is not valid YAML or JSON: its YAML anchors and aliases (& and *) do not resolve; ${QUOTE_HINT}\n`,
    });
    expectNoSecret(merge);
  });

  it.each([
    [
      "an unquoted alias",
      "alias",
      `*${SECRET}`,
      "a value starts with * (a YAML alias) that no & anchor defines",
    ],
    [
      "an unknown tag",
      "tag",
      `!${SECRET} AgB`,
      "a value starts with ! (a YAML tag) that YAML cannot resolve (line 5, column 29)",
    ],
  ])(
    "refuses a --merge-into file with %s and leaves it untouched",
    async (_, file, value, problem) => {
      const path = write(
        `${file}.sealed.yaml`,
        `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: db, namespace: shop}
spec:
  encryptedData: {password: ${value}}
`,
      );
      const before = readFileSync(path);
      const run = await seal(["--cert", certPath, "--merge-into", path, "--from-literal", "a=1"]);
      expect(run).toEqual({
        code: 1,
        stdout: "",
        stderr: `seal: --merge-into ${path} is not valid YAML or JSON: ${problem}; ${QUOTE_HINT}\n`,
      });
      expectNoSecret(run);
      expect(readFileSync(path).equals(before)).toBe(true);
    },
  );

  it.each([
    ["an unknown tag, which YAML would drop", `!Sup3r S3cret!`],
    ["an unknown tag that is the whole value", `!${SECRET}`],
    ["a known tag that does not fit the value", `!!int ${SECRET}`],
  ])("refuses %s, without naming it", async (_, value) => {
    const run = await seal(["--cert", certPath], withPassword(value));
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: stdin is not valid YAML or JSON: a value starts with ! (a YAML tag) that YAML cannot resolve (line 5, column 13); ${QUOTE_HINT}\n`,
    });
    expectNoSecret(run);
  });

  it.each([
    [
      "a tag that reads as no tag",
      "stringData",
      `! ${SECRET}`,
      "! (a YAML tag), which YAML leaves out of the value",
    ],
    [
      "the string tag",
      "stringData",
      `!!str ${SECRET}`,
      "! (a YAML tag), which YAML leaves out of the value",
    ],
    [
      "an anchor",
      "stringData",
      `&Sup3r S3cret!`,
      "& (a YAML anchor), which YAML leaves out of the value",
    ],
    [
      "an anchor on base64 data",
      "data",
      `&${SECRET} UzNjcmV0IQ==`,
      "& (a YAML anchor), which YAML leaves out of the value",
    ],
    [
      "an alias that an anchor elsewhere defines",
      "stringData",
      `*${SECRET}`,
      "* (a YAML alias), which YAML replaces with the value it names",
    ],
  ])("refuses %s on a value, naming its key only", async (_, field, value, syntax) => {
    const run = await seal(["--cert", certPath], withPassword(value, field));
    expect(run).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: stdin: ${field}.password starts with ${syntax}; ${QUOTE_HINT}\n`,
    });
    expectNoSecret(run);
  });

  it.each([
    [
      "an escape YAML does not know",
      `"Sup3r\\qS3cret!"`,
      "a double-quoted value holds a \\ escape that YAML does not know (line 5, column 19); write \\\\ for a backslash, or put the value in single quotes",
    ],
    [
      "a character YAML reserves",
      `@${SECRET}`,
      "a value starts with @ or `, which YAML reserves (line 5, column 13); quote it",
    ],
    [
      "a block scalar header with text after it",
      `|${SECRET}\n    x`,
      "text that YAML does not expect there (line 5, column 14)",
    ],
    [
      "text after the end of a flow mapping",
      `{a: b}}${SECRET}`,
      "text that YAML does not expect there (line 5, column 19)",
    ],
  ])(
    "describes %s in its own words, where the library's would quote the value",
    async (_, value, problem) => {
      const run = await seal(["--cert", certPath], withPassword(value));
      expect(run).toEqual({
        code: 1,
        stdout: "",
        stderr: `seal: stdin is not valid YAML or JSON: ${problem}\n`,
      });
      expectNoSecret(run);
    },
  );

  it.each([
    ["a value given as the path", ["a=/dev/null", `password=${SECRET}`], 2, "no such file"],
    ["a value given alone", ["Sup3rS3cret"], 1, "no such file"],
    ["a long value", [`password=${SECRET.repeat(30)}`], 1, "the path is too long"],
    // ELOOP, which seal has no words for: the system's message would quote the path.
    ["a path in a loop", () => [`password=${symlinkLoop()}`], 1, "ELOOP"],
  ])(
    "--from-file: %s that cannot be read is named by its position",
    async (_, specs, position, problem) => {
      const run = await seal([
        "--cert",
        certPath,
        "--name",
        "db",
        "-n",
        "shop",
        ...(typeof specs === "function" ? specs() : specs).flatMap((spec) => ["--from-file", spec]),
      ]);
      expect(run).toEqual({
        code: 1,
        stdout: "",
        stderr: `seal: cannot read --from-file #${position}: ${problem}\n`,
      });
      expectNoSecret(run);
    },
  );

  it.each([
    ["a value without its key", [`=${SECRET}`], '#1 has no KEY before "="'],
    ["a value alone", ["a=1", SECRET], '#2 has no "="'],
    [
      "a value whose = made a key of its first part",
      [`${SECRET}/x=`],
      '#1 has an invalid KEY: a Secret key holds only letters, digits, "-", "_" and "."',
    ],
  ])("--from-literal: %s is named by its position", async (_, literals, problem) => {
    const run = await seal([
      "--cert",
      certPath,
      "--name",
      "db",
      "-n",
      "shop",
      ...literals.flatMap((literal) => ["--from-literal", literal]),
    ]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: `seal: --from-literal ${problem} (expected KEY=VALUE); see --help\n`,
    });
    expectNoSecret(run);
  });

  it.each([
    ["a key without a path", ["k="], '#1 has no PATH after "="'],
    ["a path without a key", ["a=/dev/null", "=/dev/null"], '#2 has no KEY before "="'],
    ["a path with no file name", ["/"], "#1 has no file name to take the KEY from"],
    [
      "a key Kubernetes would refuse",
      ["a=/dev/null", `${SECRET}/x=/dev/null`],
      '#2 has an invalid KEY: a Secret key holds only letters, digits, "-", "_" and "."',
    ],
    [
      "a file name Kubernetes would refuse as a key",
      [`./${SECRET}`],
      '#1 has a file name that is not a valid KEY, so give one as KEY=PATH: a Secret key holds only letters, digits, "-", "_" and "."',
    ],
  ])("--from-file: %s is named by its position (exit 2)", async (_, specs, problem) => {
    const run = await seal([
      "--cert",
      certPath,
      "--name",
      "db",
      "-n",
      "shop",
      ...specs.flatMap((spec) => ["--from-file", spec]),
    ]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: `seal: --from-file ${problem} (expected [KEY=]PATH); see --help\n`,
    });
    expectNoSecret(run);
  });

  it("names a stray argument by its position, since it is often a value that lost its flag", async () => {
    const run = await seal(["--cert", certPath, "--from-literal", "password=", SECRET]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: "seal: unexpected argument #5, which is no flag's value; see --help\n",
    });
    expectNoSecret(run);
  });

  it.each([
    ["--name", "--name", "--name"],
    ["-n", "-n", "--namespace"],
  ])("does not show a --from-literal that %s took for its missing value", async (_, flag, long) => {
    const run = await seal(["--cert", certPath, flag, `--from-literal=password=${SECRET}`]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: `seal: ${flag} needs a value; a value that starts with "-" must be written ${long}=VALUE; see --help\n`,
    });
    expectNoSecret(run);
  });

  it("does not show a --from-literal value that starts with a dash", async () => {
    const run = await seal(["--cert", certPath, "--name", "db", "--from-literal", `-${SECRET}`]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'seal: --from-literal needs a value; a value that starts with "-" must be written --from-literal=VALUE; see --help\n',
    });
    expectNoSecret(run);
  });

  it("reports a bug by its kind and stack frames, never by its message", () => {
    const bug = new ReferenceError(`Unresolved alias: ${SECRET}\n    at ${SECRET} (line 1)`);
    const text = describeUnexpectedError(bug);
    expect(text).not.toContain("Sup3r");
    const [line, ...frames] = text.trimEnd().split("\n");
    expect(line).toBe(
      "seal: internal error (ReferenceError), a bug in seal; its message is withheld because it may quote a secret value",
    );
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((frame) => /^\s+at /.test(frame))).toBe(true);
    expect(frames[0]).toContain("seal.test.ts");
    // A thrown non-Error has no stack to show.
    expect(describeUnexpectedError(SECRET)).toBe(
      "seal: internal error (string), a bug in seal; its message is withheld because it may quote a secret value\n",
    );
  });
});

describe("names and namespaces the API server would refuse", () => {
  const SUBDOMAIN =
    'a DNS-1123 subdomain (at most 253 characters: lowercase letters, digits, "-" and ".", each part between dots starting and ending with a letter or digit)';
  const LABEL =
    'a DNS-1123 label (at most 63 characters: lowercase letters, digits and "-", starting and ending with a letter or digit)';
  const literal = ["--from-literal", "a=1"];

  it.each([
    [
      "kubectl's -n=shop",
      ["--name", "db", "-n=shop"],
      "-n=shop: write -n shop or --namespace=shop",
    ],
    [
      "--name==db",
      ["--name==db", "-n", "shop"],
      `--name "=db" is not a valid Secret name; it must be ${SUBDOMAIN}`,
    ],
    [
      "a name with capitals and _",
      ["--name", "Bad_Name", "-n", "shop"],
      `--name "Bad_Name" is not a valid Secret name; it must be ${SUBDOMAIN}`,
    ],
    [
      "a name with an empty part between dots",
      ["--name", "db..sealed", "-n", "shop"],
      `--name "db..sealed" is not a valid Secret name; it must be ${SUBDOMAIN}`,
    ],
    [
      "a namespace with a space",
      ["--name", "db", "-n", "Shop Space"],
      `--namespace "Shop Space" is not a valid namespace; it must be ${LABEL}`,
    ],
    [
      "a namespace with a dot",
      ["--name", "db", "--namespace", "shop.eu"],
      `--namespace "shop.eu" is not a valid namespace; it must be ${LABEL}`,
    ],
    [
      "a 254-character name",
      ["--name", "a".repeat(254), "-n", "shop"],
      `--name is 254 characters long, too long for a Secret name; it must be ${SUBDOMAIN}`,
    ],
    [
      "a 64-character namespace",
      ["--name", "db", "-n", "a".repeat(64)],
      `--namespace is 64 characters long, too long for a namespace; it must be ${LABEL}`,
    ],
  ])("refuses %s as a usage error", async (_, flags, message) => {
    expect(await seal(["--cert", certPath, ...flags, ...literal])).toEqual({
      code: 2,
      stdout: "",
      stderr: `seal: ${message}; see --help\n`,
    });
  });

  it("accepts the longest name and namespace Kubernetes allows", async () => {
    const name = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    const namespace = `0-${"z".repeat(61)}`;
    expect([name.length, namespace.length]).toEqual([253, 63]);
    const run = await seal(["--cert", certPath, "--name", name, "-n", namespace, ...literal]);
    expect(run.stderr).toBe("");
    expect(parseSealedSecret(run.stdout).metadata).toEqual({ name, namespace });
    expect(
      openSealedValue(
        parseSealedSecret(run.stdout).spec.encryptedData.a ?? "",
        privateKey,
        `${namespace}/${name}`,
      ).toString(),
    ).toBe("1");
  });

  it.each([
    [
      "metadata.name",
      secretYaml({ name: "DB", namespace: "shop", stringData: { a: "1" } }),
      `stdin: metadata.name "DB" is not a valid Secret name; it must be ${SUBDOMAIN}`,
    ],
    [
      "metadata.namespace",
      secretYaml({ name: "db", namespace: "-shop", stringData: { a: "1" } }),
      `stdin: metadata.namespace "-shop" is not a valid namespace; it must be ${LABEL}`,
    ],
  ])("refuses a Secret on stdin with a bad %s", async (_, stdin, message) => {
    expect(await seal(["--cert", certPath], stdin)).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: ${message}\n`,
    });
  });

  it("refuses a --merge-into file with a bad name", async () => {
    const path = write(
      "bad-name.sealed.yaml",
      "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db_1, namespace: shop}\nspec: {encryptedData: {}}\n",
    );
    expect(await seal(["--cert", certPath, "--merge-into", path, ...literal])).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: --merge-into ${path}: metadata.name "db_1" is not a valid Secret name; it must be ${SUBDOMAIN}\n`,
    });
  });
});

describe("empty flag values and flag spellings", () => {
  it.each([
    ["--stack", ["--stack", ""], "--stack needs a value"],
    ["--cert", ["--cert", ""], "--cert needs a value"],
    ["--cert= with --stack", ["--cert=", "--stack", "dev"], "--cert needs a value"],
    ["--from-literal", ["--cert", "c", "--from-literal", ""], "--from-literal needs a value"],
    ["--from-file=", ["--cert", "c", "--from-file="], "--from-file needs a value"],
    ["--help=yes", ["--help=yes"], "--help takes no value"],
    [
      "-n followed by a flag",
      ["--cert", "c", "-n", "--name", "db"],
      '-n needs a value; a value that starts with "-" must be written --namespace=--name',
    ],
  ])("%s is a usage error", async (_, args, message) => {
    expect(await seal([...args, "--from-literal", "a=1"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `seal: ${message}; see --help\n`,
    });
  });
});

describe("Kubernetes' 1 MiB limit on a Secret's data", () => {
  const MIB = 1024 * 1024;
  const identity = ["--name", "big", "-n", "shop"];

  it("seals exactly 1 MiB, counted over the values only", async () => {
    const half = write("half-a", Buffer.alloc(MIB / 2, 1));
    const rest = write("half-b", Buffer.alloc(MIB / 2, 2));
    const run = await seal([
      "--cert",
      certPath,
      ...identity,
      "--from-file",
      half,
      "--from-file",
      rest,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const values = openSealedSecret(run.stdout, privateKey);
    expect(values["half-a"]?.length).toBe(MIB / 2);
    expect(values["half-b"]?.length).toBe(MIB / 2);
  });

  it("refuses one byte more, from files or from stdin, and says by how much", async () => {
    const file = write("too-big", Buffer.alloc(MIB + 1, 7));
    const expected = {
      code: 1,
      stdout: "",
      stderr: `seal: the Secret's data is ${MIB + 1} bytes; Kubernetes refuses a Secret with more than 1 MiB (1048576 bytes) of data, so split it across several Secrets\n`,
    };
    expect(await seal(["--cert", certPath, ...identity, "--from-file", file])).toEqual(expected);

    const stdin = secretYaml({
      name: "big",
      namespace: "shop",
      data: { a: Buffer.alloc(MIB / 2, 3).toString("base64") },
      stringData: { b: "x".repeat(MIB / 2 + 1) },
    });
    expect(await seal(["--cert", certPath], stdin)).toEqual(expected);
  });

  it("counts the keys a --merge-into file already holds, but a replaced key only once", async () => {
    const first = await seal([
      "--cert",
      certPath,
      ...identity,
      "--from-file",
      `old=${write("old", Buffer.alloc(MIB / 2 + 10, 4))}`,
    ]);
    const path = write("big.sealed.yaml", first.stdout);
    const before = readFileSync(path);
    const added = write("added", Buffer.alloc(MIB / 2, 5));

    const over = await seal(["--cert", certPath, "--merge-into", path, "--from-file", added]);
    expect(over).toEqual({
      code: 1,
      stdout: "",
      stderr: `seal: the Secret's data is ${MIB + 10} bytes with the keys already in --merge-into ${path}; Kubernetes refuses a Secret with more than 1 MiB (1048576 bytes) of data, so split it across several Secrets\n`,
    });
    expect(readFileSync(path).equals(before)).toBe(true);

    const replaced = await seal([
      "--cert",
      certPath,
      "--merge-into",
      path,
      "--from-file",
      `old=${added}`,
    ]);
    expect(replaced).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(openSealedSecret(readFileSync(path, "utf8"), privateKey).old?.length).toBe(MIB / 2);
  });

  it("reads a sealed value's length from its layout", () => {
    const target = {
      publicKey: certificatePem,
      scope: "strict" as const,
      namespace: "n",
      name: "s",
    };
    for (const length of [0, 1, 1000]) {
      expect(sealedValueLength(sealValue(target, Buffer.alloc(length)))).toBe(length);
    }
    expect(sealedValueLength("")).toBeUndefined();
    expect(sealedValueLength(Buffer.from([1, 0, 0]).toString("base64"))).toBeUndefined();
  });
});

describe("seal --help", () => {
  it("prints usage on stdout and exits 0", async () => {
    const run = await seal(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/--stack NAME[\s\S]*--scope SCOPE[\s\S]*--merge-into FILE/);
  });
});

describe("the k8s-flux-seal executable", () => {
  it("runs the command from a checkout: stdin in, SealedSecret out", () => {
    const bin = join(__dirname, "..", "tools", "seal", "bin.mjs");
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    const ok = spawnSync(bin, ["--cert", certPath], { input: KUBECTL_SECRET, encoding: "utf8" });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(openSealedSecret(ok.stdout, privateKey).password?.toString()).toBe("hunter2");
  });

  it("reads relative paths from the directory npm was run in, only under `npm run seal`", () => {
    const bin = join(__dirname, "..", "tools", "seal", "bin.mjs");
    const elsewhere = mkdtempSync(join(dir, "elsewhere-"));
    const sealFrom = (npmScript: string) =>
      spawnSync(bin, ["--cert", "cert.pem"], {
        cwd: elsewhere,
        env: { ...process.env, npm_lifecycle_event: npmScript, INIT_CWD: dir },
        input: KUBECTL_SECRET,
        encoding: "utf8",
      });
    const underNpm = sealFrom("seal");
    expect(underNpm.stderr).toBe("");
    expect(openSealedSecret(underNpm.stdout, privateKey).username?.toString()).toBe("admin");
    // INIT_CWD is inherited by everything below npm; another script's says nothing about seal.
    const belowOther = sealFrom("build");
    expect({
      code: belowOther.status,
      stdout: belowOther.stdout,
      stderr: belowOther.stderr,
    }).toEqual({
      code: 1,
      stdout: "",
      stderr: "seal: cannot read certificate cert.pem: no such file\n",
    });
  });
});
