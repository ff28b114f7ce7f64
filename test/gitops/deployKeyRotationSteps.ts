/**
 * The GitOps stage's deploy-key rotation, for keys a person adds by hand (the local git server is
 * not GitHub), as docs/operations/rotation.md tells a person to do it: raising keyGeneration
 * directly is refused; set nextKeyGeneration and run `pulumi up` (key 2 is staged; Flux keeps key
 * 1), add key 2 on the server from `deployKeysToAddByHand`, set keyGeneration and run `pulumi up`
 * (Flux's Secret switches to key 2; key 1 is deleted), remove key 1 from the server. A tenant's repository and the system repository are
 * rotated side by side, in the same updates.
 *
 * After each step both GitRepositories are asked to fetch and must fetch at their heads; over the
 * whole rotation a watcher samples their conditions twice a second, and source-controller's log
 * is read for errors about them: no fetch may fail at any point.
 */
import { readFileSync, statSync } from "node:fs";
import { expect } from "vitest";
import type { FluxObjectRef } from "../../tools/gitops/flux/objects";
import { requestReconcile } from "../../tools/gitops/flux/reconcile";
import type { PulumiResult } from "../../tools/local/pulumi";
import { keyText, parsePublicKey } from "../../tools/gitops/gitServer/publicKey";
import {
  authorizeDeployKeys,
  deployKeysToAdd,
  type DeployKeyToAdd,
} from "../../tools/gitops/local/deployKeys";
import {
  GOOD,
  isCommit,
  readyAt,
  sourceOf,
  SYSTEM,
  SYSTEM_SOURCE,
  SYSTEM_SYNC,
  syncOf,
  WITH_SEALED_SECRETS,
  type StageEnvironment,
} from "./stageEnvironment";

interface RotationTarget {
  readonly label: string;
  /** How the program's warnings name it. */
  readonly user: string;
  /** The key in use, as `pulumi config set --path` takes it. */
  readonly setting: string;
  /** The staged key beside it. */
  readonly nextSetting: string;
  readonly repository: string;
  readonly source: FluxObjectRef;
  readonly sync: FluxObjectRef;
  /** The Secret Flux reads the key from. */
  readonly secret: { readonly namespace: string; readonly name: string };
  /** What the last commit's layers are, and the one pushed at the end adds. */
  readonly layers: readonly string[];
  readonly rotationLayer: string;
  readonly configMap: { readonly namespace: string; readonly name: string };
}

const TARGETS: readonly RotationTarget[] = [
  {
    label: "tenant storefront",
    user: `application ${GOOD.name}`,
    // The stage's stack lists storefront first (TENANTS).
    setting: "k8s-flux:applications[0].keyGeneration",
    nextSetting: "k8s-flux:applications[0].nextKeyGeneration",
    repository: GOOD.repository,
    source: sourceOf(GOOD),
    sync: syncOf(GOOD),
    secret: { namespace: `${GOOD.name}-flux`, name: `${GOOD.name}-deploy-key` },
    layers: WITH_SEALED_SECRETS.tenant,
    rotationLayer: "rotation/storefront",
    configMap: { namespace: GOOD.name, name: "storefront-key-rotation" },
  },
  {
    label: "the system Flux",
    user: "the system Flux",
    setting: "k8s-flux:systemFlux.keyGeneration",
    nextSetting: "k8s-flux:systemFlux.nextKeyGeneration",
    repository: SYSTEM.repository,
    source: SYSTEM_SOURCE,
    sync: SYSTEM_SYNC,
    secret: { namespace: "flux-system", name: "flux-system" },
    layers: WITH_SEALED_SECRETS.system,
    rotationLayer: "rotation/platform",
    configMap: { namespace: "platform-tools", name: "platform-key-rotation" },
  },
];

const SAMPLE_INTERVAL_MS = 500;

/**
 * The distinct warning lines of an update that match, each with its first group, in the order
 * first printed (pulumi prints a warning where it happens and again in its summary).
 */
function warningsOf(result: PulumiResult, pattern: RegExp): [string, string][] {
  const seen = new Map<string, string>();
  for (const line of `${result.stdout}\n${result.stderr}`.split("\n")) {
    const match = pattern.exec(line);
    if (match && !seen.has(match[1] ?? ""))
      seen.set(match[1] ?? "", line.slice(match.index).trim());
  }
  return [...seen].map(([user, text]) => [text, user]);
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** `<type> <base64>`: a public key without its comment, as the git server records it. */
const withoutComment = (publicKey: string): string => keyText(parsePublicKey(publicKey));

export class DeployKeyRotationSteps {
  /** Each target's keys by generation, as deployKeysToAddByHand gave them. */
  private readonly keys = new Map<string, Map<number, string>>();
  private readonly failures: string[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private sourceLogOffset = 0;
  private readonly samples = new Map<string, number>();

  constructor(private readonly stage: StageEnvironment) {}

  /** Starts sampling both GitRepositories' conditions, and marks source-controller's log. */
  private startWatching(): void {
    this.sourceLogOffset = this.stage.logOffset("flux-system", "source-controller");
    this.sampler = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample()).catch(() => undefined);
    }, SAMPLE_INTERVAL_MS);
    this.sampler.unref();
  }

  /** Stops the watcher; safe to call when it never started. */
  async stopWatching(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    await this.sampling;
  }

  private async sample(): Promise<void> {
    for (const target of TARGETS) {
      const { namespace, name } = target.source;
      const response = await this.stage
        .admin()
        .get(`/apis/source.toolkit.fluxcd.io/v1/namespaces/${namespace}/gitrepositories/${name}`);
      if (response.status !== 200) continue;
      this.samples.set(target.label, (this.samples.get(target.label) ?? 0) + 1);
      const conditions =
        (response.body as { status?: { conditions?: Condition[] } }).status?.conditions ?? [];
      for (const condition of conditions) {
        const failed =
          (condition.type === "FetchFailed" && condition.status === "True") ||
          (condition.type === "Ready" && condition.status === "False");
        const line = `${target.label}: ${condition.type}=${condition.status} ${condition.reason ?? ""}: ${condition.message ?? ""}`;
        if (failed && !this.failures.includes(line)) this.failures.push(line);
      }
    }
  }

  /** source-controller's errors about the two GitRepositories since the watch started. */
  private sourceControllerErrors(): string[] {
    const text = this.stage.logSince("flux-system", "source-controller", this.sourceLogOffset);
    return text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => {
        const object = entry["GitRepository"] as { name?: string; namespace?: string } | undefined;
        return (
          entry["level"] === "error" &&
          TARGETS.some(
            (target) =>
              object?.name === target.source.name && object.namespace === target.source.namespace,
          )
        );
      })
      .map((entry) => `${String(entry["msg"])}: ${String(entry["error"] ?? "")}`);
  }

  /** No failed fetch so far: none sampled, none logged, and the sampler did run. */
  private async expectNoFailedFetch(): Promise<void> {
    await this.sampling;
    await this.sample();
    for (const target of TARGETS) expect(this.samples.get(target.label) ?? 0).toBeGreaterThan(1);
    expect(this.failures, "GitRepository conditions reporting a failed fetch").toEqual([]);
    expect(this.sourceControllerErrors(), "source-controller's errors").toEqual([]);
  }

  /** Each source, asked to fetch now, fetches its head; then nothing has failed so far. */
  private async fetchesCleanly(): Promise<void> {
    for (const target of TARGETS) {
      const requestedAt = await requestReconcile(this.stage.admin(), target.source);
      const head = this.stage.heads.get(target.repository) ?? "";
      await this.stage.waitForStatus(
        target.source,
        "fetched the head since asked",
        (current) =>
          current.lastHandledReconcileAt === requestedAt &&
          current.ready === "True" &&
          isCommit(current.artifactRevision, head),
      );
    }
    await this.expectNoFailedFetch();
  }

  /** The stack's hand-added keys, per target, by generation; checked against what is expected. */
  private async listedKeys(): Promise<DeployKeyToAdd[]> {
    return deployKeysToAdd(await this.stage.stackOutputs());
  }

  private entriesOf(keys: readonly DeployKeyToAdd[], target: RotationTarget) {
    return keys
      .filter((key) => key.repository === this.stage.server.sshUrl(target.repository))
      .map((key) => ({ generation: key.generation, inUse: key.inUse, publicKey: key.publicKey }));
  }

  /** The public key in the Secret Flux fetches with. */
  private async keyInSecret(target: RotationTarget): Promise<string> {
    const response = await this.stage
      .admin()
      .get(`/api/v1/namespaces/${target.secret.namespace}/secrets/${target.secret.name}`);
    const data = (response.body as { data?: Record<string, string> }).data ?? {};
    return withoutComment(Buffer.from(data["identity.pub"] ?? "", "base64").toString());
  }

  private key(target: RotationTarget, generation: number): string {
    const key = this.keys.get(target.label)?.get(generation);
    if (key === undefined) throw new Error(`${target.label} has no key ${generation} listed`);
    return key;
  }

  private remember(target: RotationTarget, generation: number, publicKey: string): void {
    const known = this.keys.get(target.label) ?? new Map<number, string>();
    known.set(generation, withoutComment(publicKey));
    this.keys.set(target.label, known);
  }

  // --- the steps -------------------------------------------------------------------------------

  /**
   * 1. keyGeneration 1 -> 2 is refused; nextKeyGeneration 2 and `pulumi up`: key 2 is made and
   * listed beside key 1 (not in use), Flux's Secret still holds key 1, and the sources keep
   * fetching with it.
   */
  async raiseAndStage(): Promise<string[]> {
    const before = await this.listedKeys();
    for (const target of TARGETS) {
      const [entry] = this.entriesOf(before, target);
      expect(this.entriesOf(before, target)).toEqual([
        { generation: 1, inUse: true, publicKey: entry?.publicKey },
      ]);
      this.remember(target, 1, entry?.publicKey ?? "");
      expect(await this.keyInSecret(target)).toBe(this.key(target, 1));
    }
    this.startWatching();
    // Straight to key 2 is refused: no one can have added it; nothing changes.
    const setTo = (setting: string, generation: number) =>
      this.stage.pulumi(["config", "set", "--path", setting, String(generation), "--type", "int"]);
    for (const target of TARGETS) await setTo(target.setting, 2);
    const refused = await this.stage.pulumi(["up", "--yes"]).then(
      () => "pulumi up succeeded",
      (error: Error) => error.message,
    );
    for (const target of TARGETS) {
      expect(refused).toContain(
        `${target.setting}: 2 would switch Flux of ${target.user} to a key that was never staged`,
      );
      expect(await this.keyInSecret(target)).toBe(this.key(target, 1));
      await setTo(target.setting, 1);
    }
    expect(this.entriesOf(await this.listedKeys(), TARGETS[0] as RotationTarget)).toHaveLength(1);

    for (const target of TARGETS) await setTo(target.nextSetting, 2);
    const up = await this.stage.pulumi(["up", "--yes"]);
    const warnings = warningsOf(up, /Deploy key 2 of (.+?) is staged/);
    expect(warnings.map(([, user]) => user).sort()).toEqual(
      TARGETS.map((target) => target.user).sort(),
    );

    const after = await this.listedKeys();
    for (const target of TARGETS) {
      const entries = this.entriesOf(after, target);
      const staged = entries.find((entry) => entry.generation === 2);
      expect(entries).toEqual([
        { generation: 1, inUse: true, publicKey: expect.any(String) },
        { generation: 2, inUse: false, publicKey: expect.any(String) },
      ]);
      expect(withoutComment(entries[0]?.publicKey ?? "")).toBe(this.key(target, 1));
      this.remember(target, 2, staged?.publicKey ?? "");
      expect(this.key(target, 2)).not.toBe(this.key(target, 1));
      expect(await this.keyInSecret(target)).toBe(this.key(target, 1));
    }
    await this.fetchesCleanly();
    return warnings.map(([line]) => line);
  }

  /** 2. Key 2 is added on the git server from the output, as a person would; key 1 stays. */
  async authorizeStagedKeys(): Promise<void> {
    const added = authorizeDeployKeys(this.stage.server, await this.listedKeys());
    for (const target of TARGETS) {
      const outcomes = added
        .filter((entry) => entry.repository === target.repository)
        .map((entry) => entry.outcome);
      expect(outcomes, target.label).toEqual(["already there", "added"]);
      for (const generation of [1, 2]) expect(this.authorizedFor(target, generation)).toBe(true);
    }
    await this.fetchesCleanly();
  }

  private authorizedFor(target: RotationTarget, generation: number): boolean {
    const fingerprint = parsePublicKey(this.key(target, generation)).fingerprint;
    return this.stage.server
      .authorizedKeys()
      .some((known) => known.fingerprint === fingerprint && known.repository === target.repository);
  }

  /**
   * 3. keyGeneration 2 (nextKeyGeneration removed) and `pulumi up`: Flux's Secret holds key 2, key 1 is no longer listed, and the next
   * fetches log in with key 2 and never with key 1 (the git server's log).
   */
  async switchToStagedKeys(): Promise<string[]> {
    for (const target of TARGETS) {
      await this.stage.pulumi(["config", "set", "--path", target.setting, "2", "--type", "int"]);
      await this.stage.pulumi(["config", "rm", "--path", target.nextSetting]);
    }
    const up = await this.stage.pulumi(["up", "--yes"]);
    const warnings = warningsOf(up, /Deploy key 2 of (.+?) is now in use/);
    expect(warnings.map(([, user]) => user).sort()).toEqual(
      TARGETS.map((target) => target.user).sort(),
    );
    const listed = await this.listedKeys();
    for (const target of TARGETS) {
      expect(this.entriesOf(listed, target)).toEqual([
        { generation: 2, inUse: true, publicKey: expect.any(String) },
      ]);
      expect(withoutComment(this.entriesOf(listed, target)[0]?.publicKey ?? "")).toBe(
        this.key(target, 2),
      );
      expect(await this.keyInSecret(target)).toBe(this.key(target, 2));
    }
    const sshdLog = this.stage.server.logPath;
    const offset = statSync(sshdLog).size;
    await this.fetchesCleanly();
    const logins = readFileSync(sshdLog).subarray(offset).toString("utf8");
    for (const target of TARGETS) {
      const used = parsePublicKey(this.key(target, 2)).fingerprint;
      const retired = parsePublicKey(this.key(target, 1)).fingerprint;
      expect(logins, `${target.label} logged in with key 2`).toContain(used);
      expect(logins, `${target.label} logged in with key 1`).not.toContain(retired);
    }
    return warnings.map(([line]) => line);
  }

  /** 4. Key 1 is removed from the git server; the sources fetch on with key 2. */
  async removeOldKeys(): Promise<void> {
    for (const target of TARGETS) {
      expect(this.stage.server.revoke(this.key(target, 1)), target.label).toBe(true);
      expect(this.authorizedFor(target, 1)).toBe(false);
    }
    await this.fetchesCleanly();
  }

  /** 5. A commit pushed to each repository now is applied; nothing failed over the rotation. */
  async pushAfterRotation(): Promise<void> {
    for (const target of TARGETS) {
      const sha = await this.stage.push(
        target.repository,
        [...target.layers, target.rotationLayer],
        target.source,
      );
      await this.stage.waitForStatus(target.sync, "Ready at the new head", readyAt(sha));
      const { namespace, name } = target.configMap;
      const configMap = await this.stage
        .admin()
        .get(`/api/v1/namespaces/${namespace}/configmaps/${name}`);
      expect(configMap.status, `ConfigMap ${namespace}/${name}`).toBe(200);
    }
    await this.expectNoFailedFetch();
    await this.stopWatching();
  }
}
