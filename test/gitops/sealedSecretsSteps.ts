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
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { DEFAULT_SEALING_KEY } from "../../components/sealedSecrets/defaults";
import {
  CONTROLLER_ARGS,
  KEY_SECRET_UIDS_ANNOTATION,
} from "../../components/sealedSecrets/manifests";
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
  /** The keys whose certificate sealed it: only they open it. */
  openedBy: string[];
}

/** The label on the key Secrets, and the words the controller uses for keys and failures. */
const KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";
const REGISTERED_KEY = /msg="registered private key" secretname=(\S+)/g;
const NEW_KEY_WRITTEN = /msg="New key written" namespace=\S+ name=(\S+)/;
const NO_KEY_COULD_DECRYPT = /no key could decrypt secret/;
export const DEFAULT_KEY = DEFAULT_SEALING_KEY;
export const NEW_KEY = "key-2";
export const THIRD_KEY = "key-3";
/** What the controller names a key it makes itself (its --key-prefix). */
const GENERATED_KEY_PREFIX = CONTROLLER_ARGS.find((arg) => arg.startsWith("--key-prefix="))?.split(
  "=",
)[1] as string;

/** Sealed with the certificate the controller serves while it holds only a key of its own. */
const OWN_CERTIFICATE_CASE = "storefront-own-certificate";

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
  /** How many `k8s-flux:sealedSecrets.keys[i]` are set; none at first (the default key). */
  private configuredKeys = 0;
  /** The stack's keys, in the config's order: what the controller holds once restarted. */
  private keys: string[] = [DEFAULT_KEY];
  /** The key whose certificate `seal --stack` and the controller hand out: the newest. */
  private sealingKey = DEFAULT_KEY;
  /** The sealing key's Secret before it was deleted by hand, as a digest. */
  private keyDigestBefore: string | undefined;
  /** Its uid then: the API server gives the Secret a new one when it is created again. */
  private keyUidBefore: string | undefined;

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
      openedBy: [key ?? this.sealingKey],
    };
    secret.sealed = await this.sealWith(sealer, secret, key);
    secret.sealedWith = `${sealer} (${key ?? this.sealingKey}), ${secret.scope}`;
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

  /** Sets `k8s-flux:sealedSecrets.keys` to exactly these names, as the rotation page does. */
  private async configureKeys(keys: readonly string[]): Promise<void> {
    for (const [index, name] of keys.entries()) {
      await this.stage.pulumi([
        ...["config", "set", "--path", `k8s-flux:sealedSecrets.keys[${index}]`, name],
      ]);
    }
    for (let index = this.configuredKeys - 1; index >= keys.length; index--) {
      await this.stage.pulumi(["config", "rm", "--path", `k8s-flux:sealedSecrets.keys[${index}]`]);
    }
    this.configuredKeys = keys.length;
    this.keys = [...keys];
  }

  private async allowKeyRemoval(allowed: boolean): Promise<void> {
    await this.stage.pulumi([
      ...["config", "set", "--path", "k8s-flux:sealedSecrets.allowKeyRemoval", String(allowed)],
      ...["--type", "bool"],
    ]);
  }

  /** Each of the stack's keys in its Secret, labelled `active`. */
  private activeKeys(): Record<string, string> {
    return Object.fromEntries(this.keys.map((key) => [key, "active"]));
  }

  /** The cases a key the stack holds opens, or (`opened` false) none does. */
  private names(opened = true): string[] {
    return [...this.cases.values()]
      .filter((secret) => secret.openedBy.some((key) => this.keys.includes(key)) === opened)
      .map((secret) => secret.name);
  }

  /** Every case no key of the stack opens is reported so; a line per case for the log. */
  private async expectLost(): Promise<string[]> {
    const lines: string[] = [];
    for (const name of this.names(false)) {
      lines.push(`${this.get(name).namespace}/${name}: ${await this.expectUndecryptable(name)}`);
    }
    return lines;
  }

  /** What the controller made from the case before is still there: it deletes nothing. */
  private async expectSecretKept(name: string): Promise<void> {
    const secret = this.get(name);
    const kept = await this.secret(secret.namespace, name);
    for (const [key, value] of secret.values) {
      expect(Buffer.from(kept?.data?.[key] ?? "", "base64").equals(value), `${name} ${key}`).toBe(
        true,
      );
    }
  }

  /** Re-seals every value of a case with `seal --stack --merge-into`, as before a key is removed. */
  private async resealWithStack(name: string): Promise<void> {
    const secret = this.get(name);
    const file = this.path(`${name}.sealed.yaml`);
    writeFileSync(file, secret.sealed);
    await this.seal([
      ...["--stack", this.stage.stackName, "--merge-into", file],
      ...this.fromFileFlags(secret),
    ]);
    const resealed = readFileSync(file, "utf8");
    expect(resealed).not.toBe(secret.sealed);
    secret.sealed = resealed;
    secret.sealedWith = `seal --stack --merge-into (${this.sealingKey}), ${secret.scope}`;
    secret.openedBy = [this.sealingKey];
  }

  /** What `kubectl rollout restart` does: a new annotation on the Deployment's pod template. */
  private async restartController(): Promise<void> {
    const response = await this.stage.admin().request(
      "PATCH",
      `/apis/apps/v1/namespaces/${SEALED_SECRETS.namespace}/deployments/${SEALED_SECRETS.name}?fieldManager=kubectl-rollout`,
      {
        spec: {
          template: {
            metadata: {
              annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() },
            },
          },
        },
      },
      "application/strategic-merge-patch+json",
    );
    expect(response.status, response.text).toBe(200);
  }

  private async deleteKeySecret(name: string): Promise<void> {
    const response = await this.stage
      .admin()
      .delete(`/api/v1/namespaces/${SEALED_SECRETS.namespace}/secrets/${name}`);
    expect(response.status, `deleting Secret ${SEALED_SECRETS.namespace}/${name}`).toBe(200);
  }

  /** The certificate in a key Secret, as the controller serves it. */
  private async keyCertificate(name: string): Promise<string> {
    const found = await this.secret(SEALED_SECRETS.namespace, name);
    return Buffer.from(found?.data?.["tls.crt"] ?? "", "base64")
      .toString()
      .trim();
  }

  /** A key Secret's data, labels and type as one digest: compared, never printed. */
  private async keyDigest(name: string): Promise<string | undefined> {
    const response = await this.stage
      .admin()
      .get(`/api/v1/namespaces/${SEALED_SECRETS.namespace}/secrets/${name}`);
    if (response.status !== 200) return undefined;
    const { data, metadata, type } = response.body as SecretObject & { type: string };
    const content = JSON.stringify([data, metadata.labels, type]);
    return createHash("sha256").update(content).digest("hex");
  }

  /** The one key Secret the controller wrote itself, among the key Secrets listed. */
  private ownKey(keySecrets: Record<string, string>): string {
    const own = Object.keys(keySecrets).filter((name) => name.startsWith(GENERATED_KEY_PREFIX));
    expect(own).toHaveLength(1);
    return own[0] as string;
  }

  /**
   * The controller's pod template names the Secret of each key of the stack by the uid it has in
   * the cluster now: what restarts the controller when one is created anew.
   */
  private async expectPodTemplateNamesTheKeySecrets(): Promise<void> {
    const response = await this.stage
      .admin()
      .get(
        `/apis/apps/v1/namespaces/${SEALED_SECRETS.namespace}/deployments/${SEALED_SECRETS.name}`,
      );
    expect(response.status).toBe(200);
    const deployment = response.body as {
      spec: { template: { metadata: { annotations?: Record<string, string> } } };
    };
    const uids: string[] = [];
    for (const key of this.keys) {
      uids.push(`${key}=${(await this.secret(SEALED_SECRETS.namespace, key))?.metadata.uid}`);
    }
    expect(deployment.spec.template.metadata.annotations?.[KEY_SECRET_UIDS_ANNOTATION]).toBe(
      uids.join(","),
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

  /** Every case a key of the stack opens decrypts; returns a line per case for the log. */
  async expectAllDecrypted(): Promise<string[]> {
    const lines: string[] = [];
    for (const name of this.names()) {
      const secret = this.get(name);
      await this.expectDecrypted(name);
      lines.push(`${secret.namespace}/${name} (${secret.sealedWith}): decrypted`);
    }
    return lines;
  }

  /**
   * c1. Another key: `pulumi up` restarts the controller, which loads every key of the stack; the
   * certificate output, `seal --stack` and the controller all move to the new key; everything
   * sealed before still decrypts (each Secret deleted and made again by the restarted
   * controller).
   */
  async addKey(added: string): Promise<void> {
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.configureKeys([...this.keys, added]);
    await this.stage.pulumi(["up", "--yes"]);

    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, this.keys);
    expect(await this.keySecrets()).toEqual(this.activeKeys());
    const outputs = await this.outputs();
    expect(outputs.keys).toEqual({ active: this.keys, retiring: [] });
    const newCertificate = outputs.certificates[added]?.trim() ?? "";
    expect(newCertificate).toContain("BEGIN CERTIFICATE");
    expect([...this.certificates.values()]).not.toContain(newCertificate);
    expect(outputs.cert).toBe(newCertificate);
    expect(await this.controllerCertificate()).toBe(newCertificate);
    this.certificates.set(added, newCertificate);
    this.sealingKey = added;

    await this.expectRecreated(this.names());
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
    await this.resealWithStack("storefront-database");

    const payments = this.get("storefront-payments");
    const paymentsFile = this.path("storefront-payments.sealed.yaml");
    writeFileSync(paymentsFile, payments.sealed);
    await this.kubeseal(payments, [
      ...["--cert", this.certificateFile(this.sealingKey), "--scope", "cluster-wide"],
      ...["--merge-into", paymentsFile],
    ]);
    const resealed = readFileSync(paymentsFile, "utf8");
    expect(resealed).not.toBe(payments.sealed);
    payments.sealed = resealed;
    payments.sealedWith = `kubeseal --cert --merge-into (${this.sealingKey}), cluster-wide`;
    payments.openedBy = [this.sealingKey];

    await this.pushAll();
    await this.expectAllDecrypted();
  }

  /**
   * c2. Removing a key, update 1 of 2: its Secret is relabelled `retiring`, and the controller
   * restarts and loads only the remaining keys. Returns the controller's words about its keys.
   */
  private async removeKeyFirstUpdate(retired: string): Promise<string> {
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.configureKeys(this.keys.filter((key) => key !== retired));
    await this.allowKeyRemoval(true);
    const up = await this.stage.pulumi(["up", "--yes"]);
    expect(up.stdout + up.stderr).toMatch(new RegExp(`Sealing key ${retired} is being removed`));

    expect(await this.keySecrets()).toEqual({ ...this.activeKeys(), [retired]: "retiring" });
    expect((await this.outputs()).keys).toEqual({ active: this.keys, retiring: [retired] });
    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, this.keys);
    return this.stage
      .logSince(SEALED_SECRETS.namespace, SEALED_SECRETS.name, offset)
      .split("\n")
      .filter((line) => /registered private key|no key could decrypt/.test(line))
      .slice(0, 6)
      .join("\n");
  }

  /**
   * c2. Update 2 of 2: the key's Secret is deleted, the controller is not restarted (its set of
   * keys did not change), what the remaining keys open still decrypts, and the rest does not.
   */
  private async removeKeySecondUpdate(retired: string): Promise<void> {
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.stage.pulumi(["up", "--yes"]);
    await this.stage.runnerPass();
    await this.allowKeyRemoval(false);
    expect(await this.keySecrets()).toEqual(this.activeKeys());
    expect(await this.secret(SEALED_SECRETS.namespace, retired)).toBeUndefined();
    const outputs = await this.outputs();
    expect(outputs.keys).toEqual({ active: this.keys, retiring: [] });
    expect(Object.keys(outputs.certificates)).toEqual(this.keys);
    expect(this.stage.workload(SEALED_SECRETS.name)?.pid).toBe(pidBefore);
    await this.expectAllDecrypted();
    await this.expectLost();
  }

  /**
   * c2/c3. Retiring the default key, update 1 of 2 (removeKeyFirstUpdate). A SealedSecret sealed
   * only with it does not decrypt (the system's, and one pushed now), its status saying why.
   */
  async retireDefaultKeyFirstUpdate(): Promise<{ log: string; messages: string[] }> {
    const log = await this.removeKeyFirstUpdate(DEFAULT_KEY);
    // Sealed with the old certificate after its key left the controller.
    await this.add(
      "storefront-retired-key",
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "seal --cert",
      DEFAULT_KEY,
    );
    await this.pushAll();
    expect(this.names(false).sort()).toEqual(["platform-registry", "storefront-retired-key"]);
    const messages = await this.expectLost();
    expect(await this.secret(GOOD.name, "storefront-retired-key")).toBeUndefined();
    await this.expectSecretKept("platform-registry");
    await this.expectRecreated(this.names());
    return { log, messages };
  }

  /** c2. Retiring the default key, update 2 of 2 (removeKeySecondUpdate). */
  async retireDefaultKeySecondUpdate(): Promise<void> {
    await this.removeKeySecondUpdate(DEFAULT_KEY);
  }

  /**
   * c1 again, then the preparation for c2 with a key that is not the default: a third key is
   * added, what `seal --stack` seals now (with it) decrypts, and storefront-database is re-sealed
   * with it. The other two tenant SealedSecrets stay sealed with key-2 alone.
   */
  async addThirdKeyAndReseal(): Promise<string[]> {
    await this.addKey(THIRD_KEY);
    await this.add(
      "storefront-third-key",
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "seal --stack",
    );
    await this.resealWithStack("storefront-database");
    await this.pushAll();
    return this.expectAllDecrypted();
  }

  /**
   * c2 with a key that is not the default, update 1 of 2: key-2 is dropped by its label alone.
   * What key-2 alone sealed no longer decrypts, its status saying so, and its Secrets stay;
   * what key-3 sealed is made again by the restarted controller.
   */
  async retireSecondKeyFirstUpdate(): Promise<{ log: string; messages: string[] }> {
    const openedByNewKeyOnly = this.names().filter((name) =>
      this.get(name).openedBy.every((key) => key === NEW_KEY),
    );
    const log = await this.removeKeyFirstUpdate(NEW_KEY);
    expect(openedByNewKeyOnly.sort()).toEqual(["storefront-after-rotation", "storefront-payments"]);
    expect(this.names(false)).toEqual(expect.arrayContaining(openedByNewKeyOnly));
    const messages = await this.expectLost();
    for (const name of openedByNewKeyOnly) await this.expectSecretKept(name);
    expect(this.names().sort()).toEqual(["storefront-database", "storefront-third-key"]);
    await this.expectRecreated(this.names());
    return { log, messages };
  }

  /** c2 with key-2, update 2 of 2 (removeKeySecondUpdate). */
  async retireSecondKeySecondUpdate(): Promise<void> {
    await this.removeKeySecondUpdate(NEW_KEY);
  }

  /**
   * The stack's one key Secret deleted by hand while the controller runs: the controller is not
   * restarted, keeps the key, serves its certificate, and decrypts what is sealed with it now.
   */
  async keySecretDeletedWhileRunning(): Promise<void> {
    expect(this.keys).toEqual([this.sealingKey]);
    this.keyDigestBefore = await this.keyDigest(this.sealingKey);
    expect(this.keyDigestBefore).toBeDefined();
    this.keyUidBefore = (await this.secret(SEALED_SECRETS.namespace, this.sealingKey))?.metadata
      .uid;
    await this.expectPodTemplateNamesTheKeySecrets();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.deleteKeySecret(this.sealingKey);
    expect(await this.keySecrets()).toEqual({});

    await this.stage.runnerPass();
    expect(this.stage.workload(SEALED_SECRETS.name)?.pid).toBe(pidBefore);
    expect(await this.controllerCertificate()).toBe(this.certificates.get(this.sealingKey));
    await this.add(
      "storefront-key-secret-gone",
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "seal --stack",
    );
    await this.pushAll();
    await this.expectAllDecrypted();
    await this.expectRecreated(["storefront-database"]);
  }

  /**
   * `pulumi up --refresh` puts the same key back (same data, labels and type) in a Secret the API
   * server made anew, with a new uid. That uid is in the controller's pod template, so the same
   * update restarts the controller, which loads the key from the Secret, serves its certificate,
   * and decrypts what was sealed while the Secret was gone.
   */
  async refreshPutsTheKeyBack(): Promise<void> {
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.stage.pulumi(["up", "--yes", "--refresh"]);
    expect(await this.keyDigest(this.sealingKey)).toBe(this.keyDigestBefore);
    expect(await this.keySecrets()).toEqual(this.activeKeys());
    const uid = (await this.secret(SEALED_SECRETS.namespace, this.sealingKey))?.metadata.uid;
    expect(uid).not.toBe(this.keyUidBefore);
    await this.expectPodTemplateNamesTheKeySecrets();

    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, this.keys);
    expect(await this.controllerCertificate()).toBe(this.certificates.get(this.sealingKey));
    await this.expectRecreated(["storefront-key-secret-gone", "storefront-database"]);
  }

  /**
   * The key Secret deleted again, and the controller restarted meanwhile (`kubectl rollout
   * restart`): it finds no key, makes one of its own, serves that key's certificate, and reports
   * every SealedSecret undecryptable; the Secrets it made before stay. What someone seals now
   * with the certificate it serves (as `kubeseal --fetch-cert` gets it) decrypts. Returns lines
   * to log.
   */
  async restartedWithoutTheKey(): Promise<string[]> {
    await this.deleteKeySecret(this.sealingKey);
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.restartController();
    await this.restartedSince(from, pidBefore);

    const generated = Object.keys(await this.keySecrets());
    expect(generated).toHaveLength(1);
    const ownKey = generated[0] as string;
    expect(ownKey.startsWith(GENERATED_KEY_PREFIX), ownKey).toBe(true);
    expect(await this.keySecrets()).toEqual({ [ownKey]: "active" });
    // It found no key of the stack, and wrote its own before it served.
    const log = this.stage.logSince(SEALED_SECRETS.namespace, SEALED_SECRETS.name, offset);
    expect(log.match(NEW_KEY_WRITTEN)?.[1]).toBe(ownKey);
    expect(this.registeredKeys(offset)).toEqual([]);
    const ownCertificate = await this.keyCertificate(ownKey);
    expect(ownCertificate).not.toBe(this.certificates.get(this.sealingKey));
    expect(await this.controllerCertificate()).toBe(ownCertificate);
    this.certificates.set(ownKey, ownCertificate);

    const lines = [`the controller made its own key ${ownKey} and serves its certificate`];
    for (const secret of this.cases.values()) {
      const message = await this.expectUndecryptable(secret.name);
      if (secret.name === "storefront-database") lines.push(`${secret.name}: ${message}`);
    }
    await this.expectSecretKept("storefront-database");

    await this.add(
      OWN_CERTIFICATE_CASE,
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "kubeseal --cert",
      ownKey,
    );
    await this.pushAll();
    await this.expectDecrypted(OWN_CERTIFICATE_CASE);
    return lines;
  }

  /**
   * `pulumi up --refresh` puts the stack's key back, and the same update restarts the controller
   * (the Secret's new uid is in its pod template), with no step by hand. The controller loads the
   * stack's key beside its own: everything sealed with the stack's key decrypts again, before and
   * after the refresh, and so does what was sealed with its own certificate. It serves its own
   * key's certificate still, the one that became valid last. Returns lines to log.
   */
  async refreshRestartsTheController(): Promise<string[]> {
    const ownKey = this.ownKey(await this.keySecrets());
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.stage.pulumi(["up", "--yes", "--refresh"]);
    expect(await this.keyDigest(this.sealingKey)).toBe(this.keyDigestBefore);
    expect(await this.keySecrets()).toEqual({ ...this.activeKeys(), [ownKey]: "active" });
    await this.expectPodTemplateNamesTheKeySecrets();

    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, [...this.keys, ownKey]);
    expect(await this.controllerCertificate()).toBe(this.certificates.get(ownKey));

    await this.add(
      "storefront-after-refresh",
      { namespace: GOOD.name, repository: GOOD.repository, scope: "strict" },
      "seal --stack",
    );
    await this.pushAll();
    const lines = await this.expectAllDecrypted();
    await this.expectRecreated(["storefront-database", OWN_CERTIFICATE_CASE]);
    const own = this.get(OWN_CERTIFICATE_CASE);
    lines.push(`${own.namespace}/${own.name} (${own.sealedWith}): decrypted`);
    return lines;
  }

  /**
   * Housekeeping, as the recovery page describes it: what was sealed with the controller's own
   * certificate is re-sealed with `seal --stack`, then its key is deleted and the controller
   * restarted. It holds the stack's key alone, serves its certificate, and everything sealed for
   * it decrypts.
   */
  async removeTheControllersOwnKey(): Promise<void> {
    const ownKey = this.ownKey(await this.keySecrets());
    await this.resealWithStack(OWN_CERTIFICATE_CASE);
    await this.pushAll();
    await this.expectDecrypted(OWN_CERTIFICATE_CASE);

    await this.deleteKeySecret(ownKey);
    const from = this.stage.eventCount;
    const offset = this.logOffset();
    const pidBefore = this.stage.workload(SEALED_SECRETS.name)?.pid;
    await this.restartController();
    await this.restartedSince(from, pidBefore);
    await this.keysLoadedSince(offset, this.keys);
    expect(await this.keySecrets()).toEqual(this.activeKeys());
    expect(await this.controllerCertificate()).toBe(this.certificates.get(this.sealingKey));
    await this.expectAllDecrypted();
    await this.expectRecreated([OWN_CERTIFICATE_CASE]);
    await this.expectLost();
  }
}
