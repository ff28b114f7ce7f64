/**
 * The GitOps stage's Sealed Secrets steps, with the real controller (cmd/controller at the pinned
 * image's version) run as its Deployment by the process runner. Secrets are sealed at run time
 * as a person would: with `npm run seal -- --stack` against the stage's stack, and with kubeseal
 * given the stack's certificate. What they seal goes into the repositories through the
 * placeholders of fixtures/repositories/sealed, and Flux applies it.
 *
 * Decrypted means: the Secret exists where it was sealed for, owned by its SealedSecret, holding
 * exactly the bytes sealed (binary included), and the SealedSecret's Synced condition is True for
 * its current generation. Undecryptable means: Synced False with the controller's own words.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { runCommand, runCommandOk } from "../../tools/gitops/command";
import { binaryPath } from "../../tools/go/cache";
import { kubesealTool } from "../../tools/go/kubeseal/tool";
import { get } from "../../tools/kube/http";
import { waitFor, within } from "../../tools/kube/waitFor";
import { REPO_ROOT } from "../../tools/repoRoot";
import {
  DIRS,
  GOOD,
  readyAt,
  SEALED_SECRETS,
  sourceOf,
  SYSTEM,
  SYSTEM_SOURCE,
  SYSTEM_SYNC,
  syncOf,
  WITH_SEALED_SECRETS,
  type StageEnvironment,
} from "./stageEnvironment";

/** How a SealedSecret was made. */
type Sealer = "seal --stack" | "seal --cert" | "kubeseal --cert";

export interface SealedSecretCase {
  readonly name: string;
  /** Where it decrypts. */
  readonly namespace: string;
  readonly repository: string;
  readonly scope: "strict" | "cluster-wide";
  /** The plaintext, by key: one text value and one with every byte value. */
  readonly values: ReadonlyMap<string, Buffer>;
  /** Its SealedSecret as committed (YAML), rewritten when it is re-sealed. */
  sealed: string;
  sealedWith: string;
}

/** The label on the key Secrets, and the words the controller uses for keys and failures. */
const KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";
const REGISTERED_KEY = /msg="registered private key" secretname=(\S+)/g;
const NO_KEY_COULD_DECRYPT = /no key could decrypt secret/;
export const DEFAULT_KEY = "sealed-secrets-key";
export const NEW_KEY = "key-2";

/** Values fixed by the name: a password-like text, and all 256 byte values in an order of its own. */
function valuesFor(name: string): Map<string, Buffer> {
  const step = ([...name].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 64) * 2 + 1;
  return new Map([
    ["password", Buffer.from(`${name}-s3cret-${step}`)],
    ["key.bin", Buffer.from(Array.from({ length: 256 }, (_, i) => (i * step + 7) % 256))],
  ]);
}

interface SealedSecretObject {
  metadata: { generation?: number };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; message?: string }[];
  };
}

interface SecretObject {
  metadata: {
    uid: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
    labels?: Record<string, string>;
  };
  data?: Record<string, string>;
}

export class SealedSecretsSteps {
  private readonly cases = new Map<string, SealedSecretCase>();
  private readonly certificates = new Map<string, string>();

  constructor(private readonly stage: StageEnvironment) {}

  private path(name: string): string {
    return join(DIRS.scratch, name);
  }

  /** A certificate written where kubeseal and `seal --cert` read it, as a team given only it. */
  private certificateFile(key: string): string {
    const pem = this.certificates.get(key);
    if (pem === undefined) throw new Error(`no certificate of key ${key} was read`);
    const path = this.path(`sealing-cert-${key}.pem`);
    writeFileSync(path, pem);
    return path;
  }

  /** `--from-file KEY=PATH` for each value, written where `seal` reads it. */
  private fromFileFlags(secret: SealedSecretCase): string[] {
    return [...secret.values].flatMap(([key, value]) => {
      const path = this.path(`plain-${secret.name}-${key}`);
      writeFileSync(path, value, { mode: 0o600 });
      return ["--from-file", `${key}=${path}`];
    });
  }

  /** kubeseal with the Secret on stdin, as `kubectl create secret ... -o json | kubeseal` does. */
  private kubeseal(secret: SealedSecretCase, args: string[]): Promise<string> {
    const binary = binaryPath(kubesealTool);
    if (!existsSync(binary)) {
      throw new Error(`${binary} is not built; run \`npm run tools:build -- kubeseal\``);
    }
    return runCommandOk(binary, args, {
      input: JSON.stringify(this.plainSecret(secret)),
      // No cluster: --cert needs none, and no user's kubeconfig may leak in.
      env: { PATH: process.env.PATH, KUBECONFIG: this.path("no-kubeconfig") },
    });
  }

  /** `npm run seal` from the repository, reaching the stage's stack through PULUMI_BACKEND_URL. */
  private async seal(args: string[]): Promise<string> {
    const result = await runCommand("npm", ["run", "--silent", "seal", "--", ...args], {
      cwd: REPO_ROOT,
      env: this.stage.stackEnvironment(),
    });
    if (result.code !== 0) throw new Error(`npm run seal ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  }

  private async sealWith(sealer: Sealer, secret: SealedSecretCase, key?: string): Promise<string> {
    const flags = [
      ...["--name", secret.name, "--namespace", secret.namespace, "--scope", secret.scope],
      ...this.fromFileFlags(secret),
    ];
    if (sealer === "seal --stack") return this.seal(["--stack", this.stage.stackName, ...flags]);
    const certificate = this.certificateFile(key ?? "");
    if (sealer === "seal --cert") return this.seal(["--cert", certificate, ...flags]);
    return this.kubeseal(secret, [
      "--cert",
      certificate,
      "--scope",
      secret.scope,
      "--format",
      "yaml",
    ]);
  }

  private plainSecret(secret: SealedSecretCase) {
    return {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: secret.name, namespace: secret.namespace },
      type: "Opaque",
      data: Object.fromEntries(
        [...secret.values].map(([key, value]) => [key, value.toString("base64")]),
      ),
    };
  }

  /** Seals a new case and keeps it for every later check. */
  private async add(
    name: string,
    where: { namespace: string; repository: string; scope: SealedSecretCase["scope"] },
    sealer: Sealer,
    key?: string,
  ): Promise<SealedSecretCase> {
    const secret: SealedSecretCase = {
      name,
      ...where,
      values: valuesFor(name),
      sealed: "",
      sealedWith: "",
    };
    secret.sealed = await this.sealWith(sealer, secret, key);
    secret.sealedWith = `${sealer}${key ? ` (${key})` : ""}, ${secret.scope}`;
    expect(secret.sealed).toContain("kind: SealedSecret");
    for (const value of secret.values.values()) {
      expect(secret.sealed).not.toContain(value.toString("base64"));
    }
    this.cases.set(name, secret);
    return secret;
  }

  private get(name: string): SealedSecretCase {
    const found = this.cases.get(name);
    if (!found) throw new Error(`no SealedSecret ${name} was sealed`);
    return found;
  }

  /** Pushes every case of the two repositories and waits until both syncs are at their heads. */
  private async pushAll(): Promise<void> {
    const documents = (repository: string) =>
      [...this.cases.values()]
        .filter((secret) => secret.repository === repository)
        .map((secret) => secret.sealed.trimEnd())
        .join("\n---\n");
    Object.assign(this.stage.fixtureValues, {
      STOREFRONT_SEALED_SECRETS: documents(GOOD.repository),
      PLATFORM_SEALED_SECRETS: documents(SYSTEM.repository),
    });
    const tenantSha = await this.stage.push(
      GOOD.repository,
      WITH_SEALED_SECRETS.tenant,
      sourceOf(GOOD),
    );
    const systemSha = await this.stage.push(
      SYSTEM.repository,
      WITH_SEALED_SECRETS.system,
      SYSTEM_SOURCE,
    );
    await this.stage.waitForStatus(syncOf(GOOD), "Ready at the head", readyAt(tenantSha));
    await this.stage.waitForStatus(SYSTEM_SYNC, "Ready at the head", readyAt(systemSha));
  }

  private async sealedSecret(secret: SealedSecretCase): Promise<SealedSecretObject | undefined> {
    const response = await this.stage
      .admin()
      .get(
        `/apis/bitnami.com/v1alpha1/namespaces/${secret.namespace}/sealedsecrets/${secret.name}`,
      );
    return response.status === 200 ? (response.body as SealedSecretObject) : undefined;
  }

  private async secret(namespace: string, name: string): Promise<SecretObject | undefined> {
    const response = await this.stage
      .admin()
      .get(`/api/v1/namespaces/${namespace}/secrets/${name}`);
    return response.status === 200 ? (response.body as SecretObject) : undefined;
  }

  private static synced(found: SealedSecretObject | undefined) {
    const condition = found?.status?.conditions?.find((entry) => entry.type === "Synced");
    return {
      status: condition?.status,
      message: condition?.message ?? "",
      current: found?.status?.observedGeneration === found?.metadata.generation,
    };
  }

  /** Waits until the case is decrypted (see the file's comment); returns the Secret's uid. */
  async expectDecrypted(name: string, timeoutMs = 60_000): Promise<string> {
    const secret = this.get(name);
    let uid = "";
    await waitFor(
      async () => {
        const synced = SealedSecretsSteps.synced(await this.sealedSecret(secret));
        if (synced.status !== "True" || !synced.current) {
          return `SealedSecret ${secret.namespace}/${name} not Synced for its generation: ${JSON.stringify(synced)}`;
        }
        const found = await this.secret(secret.namespace, name);
        if (!found) return `Secret ${secret.namespace}/${name} absent`;
        const data = found.data ?? {};
        if (Object.keys(data).sort().join() !== [...secret.values.keys()].sort().join()) {
          return `Secret ${secret.namespace}/${name} has keys ${Object.keys(data).join(", ")}`;
        }
        for (const [key, value] of secret.values) {
          if (!Buffer.from(data[key] ?? "", "base64").equals(value)) {
            return `Secret ${secret.namespace}/${name}: ${key} is not the sealed bytes`;
          }
        }
        const owner = found.metadata.ownerReferences?.find((reference) => reference.controller);
        if (owner?.kind !== "SealedSecret" || owner.name !== name) {
          return `Secret ${secret.namespace}/${name} is not controlled by its SealedSecret`;
        }
        uid = found.metadata.uid;
        return true;
      },
      { deadline: within(timeoutMs), intervalMs: 500 },
    );
    return uid;
  }

  /** Waits until the controller reports that no key it holds opens the case. */
  async expectUndecryptable(name: string, timeoutMs = 60_000): Promise<string> {
    const secret = this.get(name);
    let message = "";
    await waitFor(
      async () => {
        const synced = SealedSecretsSteps.synced(await this.sealedSecret(secret));
        message = synced.message;
        return (
          (synced.status === "False" && synced.current && NO_KEY_COULD_DECRYPT.test(message)) ||
          `SealedSecret ${secret.namespace}/${name} is not reported undecryptable: ${JSON.stringify(synced)}`
        );
      },
      { deadline: within(timeoutMs), intervalMs: 500 },
    );
    return message;
  }

  /**
   * Deletes each case's Secret and waits for the controller to make it again from its
   * SealedSecret: proof that the controller running now decrypts it, whatever it did before.
   */
  async expectRecreated(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const secret = this.get(name);
      const before = await this.expectDecrypted(name);
      const deleted = await this.stage
        .admin()
        .delete(`/api/v1/namespaces/${secret.namespace}/secrets/${name}`);
      expect(deleted.status, `deleting Secret ${secret.namespace}/${name}`).toBe(200);
      await waitFor(
        async () => {
          const uid = (await this.secret(secret.namespace, name))?.metadata.uid;
          return (
            (uid !== undefined && uid !== before) ||
            `Secret ${secret.namespace}/${name} not made again yet`
          );
        },
        { deadline: within(60_000), intervalMs: 500 },
      );
      await this.expectDecrypted(name);
    }
  }

  /** The keys the controller registered in its log since `offset`, in order. */
  private registeredKeys(offset: number): string[] {
    const log = this.stage.logSince(SEALED_SECRETS.namespace, SEALED_SECRETS.name, offset);
    return [...log.matchAll(REGISTERED_KEY)].map((match) => match[1] ?? "");
  }

  /** Waits until the controller, started since `offset`, has logged the keys it loaded. */
  private async keysLoadedSince(offset: number, expected: readonly string[]): Promise<void> {
    await waitFor(
      async () => {
        const keys = this.registeredKeys(offset);
        return (
          keys.length >= expected.length ||
          `the controller has registered ${JSON.stringify(keys)} since it started`
        );
      },
      { deadline: within(60_000), intervalMs: 500 },
    );
    // Settled: it registers every key before it serves, and the runner saw it ready.
    await this.stage.workloadReady(SEALED_SECRETS.name);
    expect(new Set(this.registeredKeys(offset))).toEqual(new Set(expected));
  }

  /** What the controller serves at /v1/cert.pem, the certificate `kubeseal --fetch-cert` gets. */
  private async controllerCertificate(): Promise<string> {
    const report = await this.stage.workloadReady(SEALED_SECRETS.name);
    const port = report.ports?.["http"];
    const response = await get(`http://127.0.0.1:${port}/v1/cert.pem`);
    expect(response.status).toBe(200);
    return response.body.trim();
  }

  private async outputs(): Promise<{
    cert: string;
    certificates: Record<string, string>;
    keys: { active: string[]; retiring: string[] };
  }> {
    const outputs = await this.stage.stackOutputs();
    return {
      cert: String(outputs["sealedSecretsCert"]).trim(),
      certificates: outputs["sealedSecretsCertificates"] as Record<string, string>,
      keys: outputs["sealedSecretsKeys"] as { active: string[]; retiring: string[] },
    };
  }

  /** The controller restarted since the event index `from`, for a changed pod template. */
  private async restartedSince(from: number, pidBefore: number | undefined): Promise<number> {
    await this.stage.runnerPass();
    const report = await this.stage.workloadReady(SEALED_SECRETS.name);
    expect(report.pid).not.toBe(pidBefore);
    const stopped = `${SEALED_SECRETS.namespace}/${SEALED_SECRETS.name}: stopped pid ${pidBefore}: its pod template changed`;
    expect(this.stage.eventsSince(from).some((event) => event.endsWith(` ${stopped}`))).toBe(true);
    return report.pid as number;
  }

  /** Secrets in kube-system labelled as sealing keys, by name, with the label's value. */
  private async keySecrets(): Promise<Record<string, string>> {
    const response = await this.stage
      .admin()
      .get(
        `/api/v1/namespaces/${SEALED_SECRETS.namespace}/secrets?labelSelector=${encodeURIComponent(KEY_LABEL)}`,
      );
    const items = (
      response.body as { items: { metadata: SecretObject["metadata"] & { name: string } }[] }
    ).items;
    return Object.fromEntries(
      items.map((item) => [item.metadata.name, item.metadata.labels?.[KEY_LABEL] ?? ""]),
    );
  }

  // --- the steps -------------------------------------------------------------------------------

  /** Where the controller's log ends now: what a later step reads the controller's words from. */
  logOffset(): number {
    return this.stage.logOffset(SEALED_SECRETS.namespace, SEALED_SECRETS.name);
  }

  /**
   * The controller runs as its Deployment says, has loaded the stack's one key (logged after
   * `offset`), and serves the certificate the stack outputs.
   */
  async controllerRunsWithTheStackKey(offset = 0): Promise<void> {
    const report = await this.stage.workloadReady(SEALED_SECRETS.name, 180_000);
    expect(report.reason).toContain(
      `as ServiceAccount ${SEALED_SECRETS.namespace}/${SEALED_SECRETS.name}`,
    );
    await this.keysLoadedSince(offset, [DEFAULT_KEY]);
    expect(await this.keySecrets()).toEqual({ [DEFAULT_KEY]: "active" });
    const outputs = await this.outputs();
    expect(await this.controllerCertificate()).toBe(outputs.cert);
    this.certificates.set(DEFAULT_KEY, outputs.cert);
  }

  /**
   * a. A tenant's SealedSecret sealed with `npm run seal -- --stack` (strict) and one sealed by
   * kubeseal with the stack's certificate (cluster-wide), and one in the system repository, all
   * decrypt to exactly the sealed bytes.
   */
  async sealedAndDecrypted(): Promise<string[]> {
    const tenant = { namespace: GOOD.name, repository: GOOD.repository };
    await this.add("storefront-database", { ...tenant, scope: "strict" }, "seal --stack");
    await this.add(
      "storefront-payments",
      { ...tenant, scope: "cluster-wide" },
      "kubeseal --cert",
      DEFAULT_KEY,
    );
    await this.add(
      "platform-registry",
      { namespace: "platform-tools", repository: SYSTEM.repository, scope: "strict" },
      "seal --stack",
    );
    await this.pushAll();
    return this.expectAllDecrypted();
  }

  /** Every case expected to decrypt does; returns a line per case for the log. */
  async expectAllDecrypted(except: readonly string[] = []): Promise<string[]> {
    const lines: string[] = [];
    for (const secret of this.cases.values()) {
      if (except.includes(secret.name)) continue;
      await this.expectDecrypted(secret.name);
      lines.push(`${secret.namespace}/${secret.name} (${secret.sealedWith}): decrypted`);
    }
    return lines;
  }

  /**
   * c1. A second key: `pulumi up` restarts the controller, which loads both; the certificate
   * output, `seal --stack` and the controller all move to the new key; everything sealed
   * before still decrypts (each Secret deleted and made again by the restarted controller).
   */
  async addKey(): Promise<void> {
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.stage.pulumi([
      "config",
      "set",
      "--path",
      "k8s-flux:sealedSecrets.keys[0]",
      DEFAULT_KEY,
    ]);
    await this.stage.pulumi(["config", "set", "--path", "k8s-flux:sealedSecrets.keys[1]", NEW_KEY]);
    await this.stage.pulumi(["up", "--yes"]);

    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, [DEFAULT_KEY, NEW_KEY]);
    expect(await this.keySecrets()).toEqual({ [DEFAULT_KEY]: "active", [NEW_KEY]: "active" });
    const outputs = await this.outputs();
    expect(outputs.keys).toEqual({ active: [DEFAULT_KEY, NEW_KEY], retiring: [] });
    const newCertificate = outputs.certificates[NEW_KEY]?.trim() ?? "";
    expect(newCertificate).toContain("BEGIN CERTIFICATE");
    expect(newCertificate).not.toBe(this.certificates.get(DEFAULT_KEY));
    expect(outputs.cert).toBe(newCertificate);
    expect(await this.controllerCertificate()).toBe(newCertificate);
    this.certificates.set(NEW_KEY, newCertificate);

    await this.expectRecreated([...this.cases.keys()]);
  }

  /**
   * c1. What `seal --stack` seals now decrypts; the tenant's two old SealedSecrets are re-sealed
   * with the new key (seal --merge-into, kubeseal --merge-into), as the rotation page says to
   * do before a key is removed. The system's is left as it was: sealed only with the old key.
   */
  async sealWithNewKeyAndReseal(): Promise<void> {
    await this.add(
      "storefront-after-rotation",
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "seal --stack",
    );
    const database = this.get("storefront-database");
    const databaseFile = this.path("storefront-database.sealed.yaml");
    writeFileSync(databaseFile, database.sealed);
    await this.seal([
      "--stack",
      this.stage.stackName,
      "--merge-into",
      databaseFile,
      ...this.fromFileFlags(database),
    ]);
    database.sealed = readFileSync(databaseFile, "utf8");
    database.sealedWith = `seal --stack --merge-into (${NEW_KEY}), strict`;

    const payments = this.get("storefront-payments");
    const paymentsFile = this.path("storefront-payments.sealed.yaml");
    writeFileSync(paymentsFile, payments.sealed);
    await this.kubeseal(payments, [
      ...["--cert", this.certificateFile(NEW_KEY), "--scope", "cluster-wide"],
      ...["--merge-into", paymentsFile],
    ]);
    const resealed = readFileSync(paymentsFile, "utf8");
    expect(resealed).not.toBe(payments.sealed);
    payments.sealed = resealed;
    payments.sealedWith = `kubeseal --cert --merge-into (${NEW_KEY}), cluster-wide`;

    await this.pushAll();
    await this.expectAllDecrypted();
  }

  /**
   * c2/c3. Retiring the default key, update 1 of 2: its Secret is relabelled, the controller
   * restarts and loads only the new key, and a SealedSecret sealed only with the old key does
   * not decrypt (the system's, and one pushed now), its status saying why. Returns the status.
   */
  async retireDefaultKeyFirstUpdate(): Promise<{ log: string; messages: string[] }> {
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.stage.pulumi(["config", "set", "--path", "k8s-flux:sealedSecrets.keys[0]", NEW_KEY]);
    await this.stage.pulumi(["config", "rm", "--path", "k8s-flux:sealedSecrets.keys[1]"]);
    await this.stage.pulumi([
      "config",
      "set",
      "--path",
      "k8s-flux:sealedSecrets.allowKeyRemoval",
      "true",
      "--type",
      "bool",
    ]);
    const up = await this.stage.pulumi(["up", "--yes"]);
    expect(up.stdout + up.stderr).toMatch(
      new RegExp(`Sealing key ${DEFAULT_KEY} is being removed`),
    );

    expect(await this.keySecrets()).toEqual({ [DEFAULT_KEY]: "retiring", [NEW_KEY]: "active" });
    expect((await this.outputs()).keys).toEqual({ active: [NEW_KEY], retiring: [DEFAULT_KEY] });
    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, [NEW_KEY]);
    const log = this.stage
      .logSince(SEALED_SECRETS.namespace, SEALED_SECRETS.name, offset)
      .split("\n")
      .filter((line) => /registered private key|no key could decrypt/.test(line))
      .slice(0, 6)
      .join("\n");

    // Sealed with the old certificate after its key left the controller.
    await this.add(
      "storefront-retired-key",
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "seal --cert",
      DEFAULT_KEY,
    );
    await this.pushAll();
    const messages = [
      `platform-tools/platform-registry: ${await this.expectUndecryptable("platform-registry")}`,
      `storefront/storefront-retired-key: ${await this.expectUndecryptable("storefront-retired-key")}`,
    ];
    expect(await this.secret(GOOD.name, "storefront-retired-key")).toBeUndefined();
    // What the controller made from the system's before stays: it deletes nothing it cannot open.
    const kept = await this.secret("platform-tools", "platform-registry");
    const platform = this.get("platform-registry");
    for (const [key, value] of platform.values) {
      expect(Buffer.from(kept?.data?.[key] ?? "", "base64").equals(value), key).toBe(true);
    }
    const stillDecrypting = [...this.cases.keys()].filter(
      (name) => name !== "platform-registry" && name !== "storefront-retired-key",
    );
    await this.expectRecreated(stillDecrypting);
    return { log, messages };
  }

  /**
   * c2. Update 2 of 2: the old key's Secret is deleted, the controller is not restarted (its set
   * of keys did not change), and what was re-sealed still decrypts.
   */
  async retireDefaultKeySecondUpdate(): Promise<void> {
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.stage.pulumi(["up", "--yes"]);
    await this.stage.runnerPass();
    await this.stage.pulumi([
      "config",
      "set",
      "--path",
      "k8s-flux:sealedSecrets.allowKeyRemoval",
      "false",
      "--type",
      "bool",
    ]);
    expect(await this.keySecrets()).toEqual({ [NEW_KEY]: "active" });
    expect(await this.secret(SEALED_SECRETS.namespace, DEFAULT_KEY)).toBeUndefined();
    const outputs = await this.outputs();
    expect(outputs.keys).toEqual({ active: [NEW_KEY], retiring: [] });
    expect(Object.keys(outputs.certificates)).toEqual([NEW_KEY]);
    expect(this.stage.workload(SEALED_SECRETS.name)?.pid).toBe(pidBefore);
    await this.expectAllDecrypted(["platform-registry", "storefront-retired-key"]);
    await this.expectUndecryptable("platform-registry");
  }
}
