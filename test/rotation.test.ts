/**
 * Key rotation over successive `pulumi up`s of the whole program: which resources each update
 * creates, keeps and lets go of (Pulumi deletes what an update no longer declares, at its end),
 * with the last update's outputs fed back the way the program reads them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { REPO_ROOT } from "../tools/repoRoot";
import {
  attemptStack,
  FAKE,
  type Inputs,
  type MockRun,
  type Recorded,
  runStack,
  type StackRun,
  valueOf,
  thrownMessage,
} from "./harness";

const TYPES = {
  privateKey: "tls:index/privateKey:PrivateKey",
  certificate: "tls:index/selfSignedCert:SelfSignedCert",
  secret: "kubernetes:core/v1:Secret",
  deployment: "kubernetes:apps/v1:Deployment",
  githubKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
} as const;

const fixture = (name: string): string =>
  readFileSync(join(REPO_ROOT, "test/fixtures/sealing", `${name}.crt`), "utf8");

/** Two real certificates made for these tests, the second a second newer than the first. */
const CERTIFICATES: Record<string, string> = {
  "sealed-secrets-key": fixture("key-2026-11"),
  "key-2027-05": fixture("key-2027-05"),
};
const validFrom = (pem: string) => new Date(new X509Certificate(pem).validFrom).toISOString();

/** The mocked tls provider hands each sealing key its own certificate and start time. */
function providerState(type: string, name: string): Inputs | undefined {
  if (type !== TYPES.certificate) return undefined;
  const key = name === "sealed-secrets-certificate" ? "sealed-secrets-key" : "key-2027-05";
  const pem = CERTIFICATES[key] ?? "";
  return { certPem: pem, validityStartTime: validFrom(pem) };
}

/** One `pulumi up` of the dev stack with `settings` changed, after an update that left `last`. */
const up = (settings: Record<string, unknown>, last: Inputs = {}): Promise<StackRun> =>
  runStack("dev", { settings, lastOutputs: last, providerState });

/** What the engine would read back as the stack's outputs after the update. */
async function outputsOf(update: StackRun): Promise<Inputs> {
  const entries = await Promise.all(
    Object.entries(update.outputs).map(async ([key, value]) => [key, await valueOf(value)]),
  );
  return Object.fromEntries(entries);
}

/** Custom resources by URN, which is what decides kept (same URN) against created or deleted. */
const urns = (run: MockRun, filter: (r: Recorded) => boolean = () => true): string[] =>
  run.resources
    .filter((r) => r.custom && filter(r))
    .map((r) => r.urn)
    .sort();

const named = (run: MockRun, type: string, name: string): Recorded => {
  const found = run.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} ${name}`);
  return found;
};

const sealingOnly = (r: Recorded) => r.name.startsWith("sealed-secrets-");

describe("sealing keys", () => {
  it("by default declare the one key under the names it always had", async () => {
    const { run, outputs } = await up({});
    expect(
      run.resources.filter((r) => sealingOnly(r) && r.type.startsWith("tls:")).map((r) => r.name),
    ).toEqual(["sealed-secrets-key", "sealed-secrets-certificate"]);
    const secret = named(run, TYPES.secret, "sealed-secrets-key-secret");
    expect(secret.inputs["metadata"].name).toBe("sealed-secrets-key");
    expect(secret.inputs["metadata"].labels["sealedsecrets.bitnami.com/sealed-secrets-key"]).toBe(
      "active",
    );
    const exported = await outputsOf({ run, outputs });
    expect(exported["sealedSecretsKeys"]).toEqual({
      active: ["sealed-secrets-key"],
      retiring: [],
    });
    expect(exported["sealedSecretsCert"]).toBe(CERTIFICATES["sealed-secrets-key"]);
  });

  it("adding a key keeps every resource of the first and seals with the newest", async () => {
    const first = await up({});
    const second = await up(
      { sealedSecrets: { keys: ["sealed-secrets-key", "key-2027-05"] } },
      await outputsOf(first),
    );
    const before = urns(first.run, sealingOnly);
    const after = urns(second.run, sealingOnly);
    expect(before.filter((urn) => !after.includes(urn))).toEqual([]);
    expect(
      after
        .filter((urn) => !before.includes(urn))
        .map((urn) => urn.split("::").pop())
        .sort(),
    ).toEqual([
      "sealed-secrets-keys-key-2027-05-certificate",
      "sealed-secrets-keys-key-2027-05-private",
      "sealed-secrets-keys-key-2027-05-secret",
    ]);
    const added = named(second.run, TYPES.secret, "sealed-secrets-keys-key-2027-05-secret");
    expect(added.inputs["metadata"]).toMatchObject({
      name: "key-2027-05",
      namespace: "kube-system",
      labels: { "sealedsecrets.bitnami.com/sealed-secrets-key": "active" },
    });
    expect(added.inputs["type"]).toBe("kubernetes.io/tls");
    expect(
      named(second.run, TYPES.privateKey, "sealed-secrets-keys-key-2027-05-private"),
    ).toMatchObject({ protect: true });
    expect(added.retainOnDelete).toBe(true);

    const exported = await outputsOf(second);
    expect(exported["sealedSecretsCert"]).toBe(CERTIFICATES["key-2027-05"]);
    expect(exported["sealedSecretsCertificates"]).toEqual(CERTIFICATES);
    expect(exported["sealedSecretsKeys"]).toEqual({
      active: ["sealed-secrets-key", "key-2027-05"],
      retiring: [],
    });

    // The controller reads keys only at start-up: the new key must restart it.
    const hash = (update: StackRun) =>
      named(update.run, TYPES.deployment, "sealed-secrets-deployment").inputs["spec"].template
        .metadata.annotations["k8s-flux/sealing-certificate-sha256"];
    expect(hash(second)).not.toBe(hash(first));
    expect(hash(first)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("seals with the certificate that became valid last, even when listed first", async () => {
    const last = await outputsOf(
      await up({ sealedSecrets: { keys: ["sealed-secrets-key", "key-2027-05"] } }),
    );
    const reordered = await up(
      { sealedSecrets: { keys: ["key-2027-05", "sealed-secrets-key"] } },
      last,
    );
    expect((await outputsOf(reordered))["sealedSecretsCert"]).toBe(CERTIFICATES["key-2027-05"]);
  });

  it("refuses to drop a deployed key, naming it, its certificate and when it sealed", async () => {
    const last = await outputsOf(
      await up({ sealedSecrets: { keys: ["sealed-secrets-key", "key-2027-05"] } }),
    );
    const message = await thrownMessage(() =>
      up({ sealedSecrets: { keys: ["key-2027-05"] } }, last),
    );
    const first = new X509Certificate(CERTIFICATES["sealed-secrets-key"] ?? "");
    const day = (text: string) => new Date(text).toISOString().slice(0, 10);
    expect(message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        `  - k8s-flux:sealedSecrets.keys no longer lists sealed-secrets-key, which this stack deployed; every SealedSecret sealed with its certificate (SHA-256 ${first.fingerprint256}) would stop decrypting: whatever was sealed with this stack's sealedSecretsCert output or \`kubeseal --fetch-cert\` from ${day(first.validFrom)} until key-2027-05 took over on ${day(new X509Certificate(CERTIFICATES["key-2027-05"] ?? "").validFrom)}. Expected sealed-secrets-key kept in the list; if those secrets are re-sealed with the newest key, set k8s-flux:sealedSecrets.allowKeyRemoval to true to remove it`,
      ].join("\n"),
    );
  });

  it("registers nothing when a removal is refused", async () => {
    const last = { sealedSecretsCert: CERTIFICATES["sealed-secrets-key"] };
    const { run, error } = await attemptStack("dev", {
      settings: { sealedSecrets: { keys: ["key-2027-05"] } },
      lastOutputs: last,
    });
    // A stack deployed before keys had names has only its certificate output: the default key.
    expect((error as Error).message).toContain(
      "k8s-flux:sealedSecrets.keys no longer lists sealed-secrets-key",
    );
    expect(run.resources).toEqual([]);
  });

  it("refuses to switch Sealed Secrets off while it has keys", async () => {
    const last = await outputsOf(await up({}));
    const message = await thrownMessage(() => up({ sealedSecrets: { enabled: false } }, last));
    expect(message).toContain(
      "k8s-flux:sealedSecrets.enabled is false, which removes key sealed-secrets-key, deployed by this stack;",
    );
    // Allowed, it declares no sealing resources at all (the README's switch-off steps).
    const off = await up({ sealedSecrets: { enabled: false, allowKeyRemoval: true } }, last);
    expect(off.run.resources.filter(sealingOnly)).toEqual([]);
    expect(off.outputs["sealedSecretsKeys"]).toBeUndefined();
  });

  it("removes an allowed key in two updates: first out of the controller, then deleted", async () => {
    const start = await up({ sealedSecrets: { keys: ["sealed-secrets-key", "key-2027-05"] } });
    const withBoth = await outputsOf(start);

    const retiring = await up(
      { sealedSecrets: { keys: ["key-2027-05"], allowKeyRemoval: true } },
      withBoth,
    );
    // Update 1 keeps every resource (same URNs), lifts protection and deactivates the key.
    expect(urns(retiring.run, sealingOnly)).toEqual(urns(start.run, sealingOnly));
    expect(named(retiring.run, TYPES.privateKey, "sealed-secrets-key").protect).toBe(false);
    expect(named(retiring.run, TYPES.certificate, "sealed-secrets-certificate").protect).toBe(
      false,
    );
    const oldSecret = named(retiring.run, TYPES.secret, "sealed-secrets-key-secret");
    expect(oldSecret.retainOnDelete).toBe(false);
    expect(
      oldSecret.inputs["metadata"].labels["sealedsecrets.bitnami.com/sealed-secrets-key"],
    ).toBe("retiring");
    expect(
      named(retiring.run, TYPES.privateKey, "sealed-secrets-keys-key-2027-05-private").protect,
    ).toBe(true);
    const afterRetiring = await outputsOf(retiring);
    expect(afterRetiring["sealedSecretsKeys"]).toEqual({
      active: ["key-2027-05"],
      retiring: ["sealed-secrets-key"],
    });
    expect(afterRetiring["sealedSecretsCert"]).toBe(CERTIFICATES["key-2027-05"]);

    // Update 2 no longer declares the key, so Pulumi deletes it; nothing else changes.
    const removed = await up(
      { sealedSecrets: { keys: ["key-2027-05"], allowKeyRemoval: true } },
      afterRetiring,
    );
    const gone = urns(retiring.run, sealingOnly).filter(
      (urn) => !urns(removed.run, sealingOnly).includes(urn),
    );
    expect(gone.map((urn) => urn.split("::").pop()).sort()).toEqual([
      "sealed-secrets-certificate",
      "sealed-secrets-key",
      "sealed-secrets-key-secret",
    ]);
    expect((await outputsOf(removed))["sealedSecretsKeys"]).toEqual({
      active: ["key-2027-05"],
      retiring: [],
    });
  });

  it("rejects key names that cannot be Secret names, and duplicates", async () => {
    const message = await thrownMessage(() =>
      up({ sealedSecrets: { keys: ["Key_2027", "key-a", "key-a"] } }),
    );
    expect(message.split("\n").slice(1)).toEqual([
      '  - k8s-flux:sealedSecrets.keys[0]: "Key_2027" is not a key name; expected lower-case letters, digits and "-", such as key-2027-05',
      '  - k8s-flux:sealedSecrets.keys[2]: "key-a" is listed twice; expected each key name once',
    ]);
    const empty = await thrownMessage(() => up({ sealedSecrets: { keys: [] } }));
    expect(empty.split("\n").slice(1)).toEqual([
      "  - k8s-flux:sealedSecrets.keys: is empty; expected at least one key name, such as [sealed-secrets-key]",
    ]);
  });
});

describe("deploy keys", () => {
  const app = (keyGeneration?: number) => [
    {
      name: "sample-dev",
      repository: "git@github.com:acme/test-app-flux-repo.git",
      path: "dev-app",
      ...(keyGeneration !== undefined ? { keyGeneration } : {}),
    },
  ];

  it("at generation 1 keep the names they always had", async () => {
    const { run } = await up({ applications: app(1) });
    expect(run.ofType(TYPES.githubKey).map((r) => r.name)).toEqual([
      "system-flux-deploy-key-github",
      "app-sample-dev-deploy-key-github",
    ]);
    expect(run.ofType(TYPES.privateKey).map((r) => r.name)).toContain(
      "app-sample-dev-deploy-key-key",
    );
  });

  it("raising a generation makes, registers and switches to a new key before the old goes", async () => {
    const first = await up({ applications: app() });
    const second = await up({ applications: app(2) });
    const before = urns(first.run);
    const after = urns(second.run);
    const name = (urn: string) => urn.split("::").pop();
    expect(
      after
        .filter((urn) => !before.includes(urn))
        .map(name)
        .sort(),
    ).toEqual(["app-sample-dev-deploy-key-github-gen2", "app-sample-dev-deploy-key-key-gen2"]);
    // Not declared any more: Pulumi deletes these at the end of the update, after the switch.
    expect(
      before
        .filter((urn) => !after.includes(urn))
        .map(name)
        .sort(),
    ).toEqual(["app-sample-dev-deploy-key-github", "app-sample-dev-deploy-key-key"]);

    const registration = named(
      second.run,
      TYPES.githubKey,
      "app-sample-dev-deploy-key-github-gen2",
    );
    expect(registration.inputs).toMatchObject({
      repository: "test-app-flux-repo",
      title: "k8s-flux dev-eks sample-dev (key 2)",
      readOnly: true,
      key: "ecdsa-sha2-nistp384 AAAAFAKEappsampledevdeploykeykeygen2",
    });
    // The Flux Secret is the same resource, updated in place, and only after the new key is
    // registered on GitHub.
    const secret = named(second.run, TYPES.secret, "app-sample-dev-deploy-key-secret");
    expect(secret.urn).toBe(named(first.run, TYPES.secret, "app-sample-dev-deploy-key-secret").urn);
    expect(secret.dependencies).toContain(registration.urn);
    expect(secret.inputs["stringData"]["identity.pub"]).toBe(
      "ecdsa-sha2-nistp384 AAAAFAKEappsampledevdeploykeykeygen2",
    );
    // The system Flux key is untouched.
    expect(named(second.run, TYPES.githubKey, "system-flux-deploy-key-github").urn).toBe(
      named(first.run, TYPES.githubKey, "system-flux-deploy-key-github").urn,
    );
  });

  it("rotates the system Flux key the same way", async () => {
    const { run } = await up({
      systemFlux: { repository: "git@github.com:acme/k8s-flux.git", keyGeneration: 3 },
    });
    expect(run.ofType(TYPES.githubKey).map((r) => [r.name, r.inputs["title"]])).toEqual([
      ["system-flux-deploy-key-github-gen3", "k8s-flux dev-eks system (key 3)"],
      ["app-sample-dev-deploy-key-github", "k8s-flux dev-eks sample-dev"],
    ]);
  });

  it("rejects generations that are not whole numbers from 1", async () => {
    const message = await thrownMessage(() =>
      up({
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", keyGeneration: 0 },
        applications: app(1.5),
      }),
    );
    expect(message.split("\n").slice(1)).toEqual([
      "  - k8s-flux:systemFlux.keyGeneration: 0 is below 1; expected 1, 2, 3, ...",
      "  - k8s-flux:applications[0].keyGeneration: 1.5 is not a whole number; expected 1, 2, 3, ...",
    ]);
  });
});

describe("deploy keys added by hand", () => {
  const REPOSITORY = "ssh://git@git.example.org/acme/sample-dev.git";
  const KNOWN_HOSTS = {
    "git.example.org":
      "git.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINsayVl588TW8k3vWtmyq+g0ZWZvetlXp9DLB4yXVSzw",
  };
  const SETTING = "k8s-flux:applications[0].keyGeneration";
  const NEXT = "k8s-flux:applications[0].nextKeyGeneration";
  /** The dev stack with its application on a host outside GitHub, using key `keyGeneration`. */
  const outsideGitHub = (keyGeneration: number, nextKeyGeneration?: number) => ({
    knownHosts: KNOWN_HOSTS,
    applications: [
      {
        name: "sample-dev",
        repository: REPOSITORY,
        path: "dev-app",
        keyGeneration,
        ...(nextKeyGeneration !== undefined ? { nextKeyGeneration } : {}),
      },
    ],
  });
  const appKey = (generation: number) =>
    FAKE.publicKeyOpenssh(
      `app-sample-dev-deploy-key-key${generation === 1 ? "" : `-gen${generation}`}`,
    ).trim();
  const name = (urn: string) => urn.split("::").pop();
  const secretOf = (update: StackRun) =>
    named(update.run, TYPES.secret, "app-sample-dev-deploy-key-secret");
  const sourceOf = (update: StackRun) =>
    update.run.k8s("GitRepository", "sample-dev", "sample-dev-flux");

  /** One update, with the warnings it logged kept instead of printed. */
  async function upLogged(
    settings: Record<string, unknown>,
    last: Inputs = {},
  ): Promise<{ update: StackRun; exported: Inputs; warnings: string[] }> {
    const warn = vi.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      const update = await up(settings, last);
      const warnings = warn.mock.calls.map(([message]) => message);
      return { update, exported: await outputsOf(update), warnings };
    } finally {
      warn.mockRestore();
    }
  }

  it("are staged by nextKeyGeneration and used once keyGeneration names them; Flux's Secret never holds an unadded key", async () => {
    const start = await upLogged(outsideGitHub(1));
    expect(start.exported["deployKeyGenerations"]).toEqual({
      systemFlux: { inUse: 1, registeredOnGitHub: true },
      applications: { "sample-dev": { inUse: 1, registeredOnGitHub: false } },
    });

    // Update 1: key 2 is made and listed beside key 1; nothing Flux reads changes.
    const staging = await upLogged(outsideGitHub(1, 2), start.exported);
    const before = urns(start.update.run);
    expect(
      urns(staging.update.run)
        .filter((urn) => !before.includes(urn))
        .map(name),
    ).toEqual(["app-sample-dev-deploy-key-key-gen2"]);
    expect(before.filter((urn) => !urns(staging.update.run).includes(urn))).toEqual([]);
    expect(secretOf(staging.update).inputs).toEqual(secretOf(start.update).inputs);
    expect(secretOf(staging.update).inputs["stringData"]["identity.pub"]).toBe(appKey(1));
    expect(sourceOf(staging.update).inputs).toEqual(sourceOf(start.update).inputs);
    expect(staging.exported["deployKeysToAddByHand"]).toEqual([
      {
        repository: REPOSITORY,
        publicKey: appKey(1),
        generation: 1,
        inUse: true,
        writeAccess: false,
      },
      {
        repository: REPOSITORY,
        publicKey: appKey(2),
        generation: 2,
        inUse: false,
        writeAccess: false,
      },
    ]);
    expect(staging.exported["deployKeyGenerations"]).toEqual({
      systemFlux: { inUse: 1, registeredOnGitHub: true },
      applications: { "sample-dev": { inUse: 1, staged: 2, registeredOnGitHub: false } },
    });
    expect(staging.warnings).toEqual([
      `Deploy key 2 of application sample-dev is staged (${NEXT}); Flux keeps using key 1. From the deployKeysToAddByHand output, add key 2 to ${REPOSITORY}, then set ${SETTING} to 2 and run pulumi up to switch Flux to it.`,
    ]);

    // The same config again switches nothing: only a person's setting does.
    const again = await upLogged(outsideGitHub(1, 2), staging.exported);
    expect(urns(again.update.run)).toEqual(urns(staging.update.run));
    expect(secretOf(again.update).inputs["stringData"]["identity.pub"]).toBe(appKey(1));
    expect(again.warnings).toEqual([]);

    // Update 2, keyGeneration 2: the Secret switches to key 2, kept as it was; key 1 goes.
    const switching = await upLogged(outsideGitHub(2), again.exported);
    const staged = urns(staging.update.run);
    expect(staged.filter((urn) => !urns(switching.update.run).includes(urn)).map(name)).toEqual([
      "app-sample-dev-deploy-key-key",
    ]);
    expect(urns(switching.update.run).filter((urn) => !staged.includes(urn))).toEqual([]);
    expect(secretOf(switching.update).urn).toBe(secretOf(start.update).urn);
    expect(secretOf(switching.update).inputs["stringData"]["identity.pub"]).toBe(appKey(2));
    expect(switching.exported["deployKeysToAddByHand"]).toEqual([
      {
        repository: REPOSITORY,
        publicKey: appKey(2),
        generation: 2,
        inUse: true,
        writeAccess: false,
      },
    ]);
    expect(switching.exported["deployKeyGenerations"]).toEqual({
      systemFlux: { inUse: 1, registeredOnGitHub: true },
      applications: { "sample-dev": { inUse: 2, registeredOnGitHub: false } },
    });
    expect(switching.warnings).toEqual([
      `Deploy key 2 of application sample-dev is now in use (${SETTING}): Flux switches to it in this update, which deletes key 1; remove key 1 from ${REPOSITORY}.`,
    ]);

    // And then nothing more happens.
    const after = await upLogged(outsideGitHub(2), switching.exported);
    expect(urns(after.update.run)).toEqual(urns(switching.update.run));
    expect(after.warnings).toEqual([]);
  });

  it("refuse keyGeneration raised without staging, and register nothing", async () => {
    const start = await upLogged(outsideGitHub(1));
    const { run, error } = await attemptStack("dev", {
      settings: outsideGitHub(2),
      lastOutputs: start.exported,
    });
    expect((error as Error).message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        `  - ${SETTING}: 2 would switch Flux of application sample-dev to a key that was never staged, which no one can have added to ${REPOSITORY} yet (this program does not register it); expected 1, the key in use, or key 2 staged first: set ${NEXT} to 2, run pulumi up, add the key from the deployKeysToAddByHand output, then set ${SETTING} to 2`,
      ].join("\n"),
    );
    expect(run.resources.filter((r) => r.custom)).toEqual([]);
  });

  it("keep every private key a secret, staged ones included", async () => {
    const start = await upLogged(outsideGitHub(1));
    const staging = await upLogged(outsideGitHub(1, 2), start.exported);
    expect(JSON.stringify(staging.exported).includes("PRIVATE KEY")).toBe(false);
    expect(staging.warnings.join("\n").includes("PRIVATE KEY")).toBe(false);
    const outputs = staging.update.outputs["deployKeysToAddByHand"] as pulumi.Output<unknown>;
    expect(await pulumi.isSecret(pulumi.output(outputs))).toBe(false);
    expect(secretOf(staging.update).secretPaths).toEqual(["stringData"]);
  });

  it("unstaged: the staged key is dropped and Flux keeps its key", async () => {
    const start = await upLogged(outsideGitHub(1));
    const staging = await upLogged(outsideGitHub(1, 2), start.exported);
    const back = await upLogged(outsideGitHub(1), staging.exported);
    expect(urns(back.update.run)).toEqual(urns(start.update.run));
    expect(secretOf(back.update).inputs["stringData"]["identity.pub"]).toBe(appKey(1));
    expect(back.exported["deployKeysToAddByHand"]).toEqual([
      {
        repository: REPOSITORY,
        publicKey: appKey(1),
        generation: 1,
        inUse: true,
        writeAccess: false,
      },
    ]);
    expect(back.warnings).toEqual([
      `${NEXT} no longer asks for staged deploy key 2 of application sample-dev, which this update deletes: remove key 2 from ${REPOSITORY} if you added it.`,
    ]);
  });

  it("staged again with another number: that key is staged in its place", async () => {
    const start = await upLogged(outsideGitHub(1));
    const staging = await upLogged(outsideGitHub(1, 2), start.exported);
    const again = await upLogged(outsideGitHub(1, 3), staging.exported);
    expect(
      urns(again.update.run, (r) => r.type === TYPES.privateKey && r.name.startsWith("app-")).map(
        name,
      ),
    ).toEqual(["app-sample-dev-deploy-key-key", "app-sample-dev-deploy-key-key-gen3"]);
    expect(secretOf(again.update).inputs["stringData"]["identity.pub"]).toBe(appKey(1));
    expect(again.exported["deployKeyGenerations"]).toMatchObject({
      applications: { "sample-dev": { inUse: 1, staged: 3 } },
    });
  });

  it("with registerDeployKeys false are staged on GitHub repositories too, and registered nowhere", async () => {
    const settings = (keyGeneration: number, nextKeyGeneration?: number) => ({
      registerDeployKeys: false,
      systemFlux: {
        repository: "git@github.com:acme/k8s-flux.git",
        keyGeneration,
        ...(nextKeyGeneration !== undefined ? { nextKeyGeneration } : {}),
      },
    });
    const start = await upLogged(settings(1));
    expect(await thrownMessage(() => up(settings(2), start.exported))).toContain(
      "k8s-flux:systemFlux.keyGeneration: 2 would switch Flux of the system Flux to a key that was never staged",
    );
    const staging = await upLogged(settings(1, 2), start.exported);
    expect(staging.update.run.ofType(TYPES.githubKey)).toEqual([]);
    expect(
      named(staging.update.run, TYPES.secret, "system-flux-deploy-key-secret").inputs["stringData"][
        "identity.pub"
      ],
    ).toBe(FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim());
    expect(staging.exported["deployKeysToAddByHand"]).toEqual([
      {
        repository: "git@github.com:acme/k8s-flux.git",
        publicKey: FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim(),
        generation: 1,
        inUse: true,
        writeAccess: false,
      },
      {
        repository: "git@github.com:acme/k8s-flux.git",
        publicKey: FAKE.publicKeyOpenssh("system-flux-deploy-key-key-gen2").trim(),
        generation: 2,
        inUse: false,
        writeAccess: false,
      },
      {
        repository: "git@github.com:acme/test-app-flux-repo.git",
        publicKey: appKey(1),
        generation: 1,
        inUse: true,
        writeAccess: false,
      },
    ]);
    expect(staging.warnings.map((warning) => warning.split(";")[0])).toEqual([
      "Deploy key 2 of the system Flux is staged (k8s-flux:systemFlux.nextKeyGeneration)",
    ]);
  });

  it("are used at once, with a warning, when the last update kept no record", async () => {
    // What a stack last deployed by an older program left: public keys, no generations.
    const start = await upLogged(outsideGitHub(1));
    const older = Object.fromEntries(
      Object.entries(start.exported).filter(([name]) => name !== "deployKeyGenerations"),
    );
    expect(Object.keys(older)).toContain("applicationPublicKeys");
    const raised = await upLogged(outsideGitHub(2), older);
    expect(secretOf(raised.update).inputs["stringData"]["identity.pub"]).toBe(appKey(2));
    expect(raised.exported["deployKeysToAddByHand"]).toEqual([
      {
        repository: REPOSITORY,
        publicKey: appKey(2),
        generation: 2,
        inUse: true,
        writeAccess: false,
      },
    ]);
    expect(raised.exported["deployKeyGenerations"]).toMatchObject({
      applications: { "sample-dev": { inUse: 2 } },
    });
    expect(raised.warnings).toEqual([
      `The last update kept no record of which deploy key of application sample-dev is in use; Flux uses key 2 (${SETTING}) from this update on. If that is a new key, add it to ${REPOSITORY} now, from the deployKeysToAddByHand output.`,
    ]);
  });

  it("turning registerDeployKeys off warns that the GitHub registration of each key in use goes", async () => {
    const system = (registerDeployKeys: boolean) => ({
      ...outsideGitHub(1),
      registerDeployKeys,
      systemFlux: { repository: "git@github.com:acme/k8s-flux.git", keyGeneration: 1 },
    });
    const start = await upLogged(system(true));
    expect(start.update.run.ofType(TYPES.githubKey).map((key) => key.name)).toEqual([
      "system-flux-deploy-key-github",
    ]);
    const off = await upLogged(system(false), start.exported);
    expect(off.update.run.ofType(TYPES.githubKey)).toEqual([]);
    expect(off.warnings).toEqual([
      "This program no longer registers the deploy keys of the system Flux (k8s-flux:registerDeployKeys is false, or the repository is no longer on GitHub): this update deletes the GitHub registration of key 1, and Flux cannot fetch git@github.com:acme/k8s-flux.git until key 1 is added to it by hand, from the deployKeysToAddByHand output.",
    ]);
    expect(off.exported["deployKeysToAddByHand"]).toContainEqual({
      repository: "git@github.com:acme/k8s-flux.git",
      publicKey: FAKE.publicKeyOpenssh("system-flux-deploy-key-key").trim(),
      generation: 1,
      inUse: true,
      writeAccess: false,
    });
    // The next update has nothing more to say.
    expect((await upLogged(system(false), off.exported)).warnings).toEqual([]);
  });

  it("ask for write access only for the system key that image automation pushes with", async () => {
    const automated = await upLogged({
      ...outsideGitHub(1),
      registerDeployKeys: false,
      systemFlux: {
        repository: "git@github.com:acme/k8s-flux.git",
        keyGeneration: 1,
        imageAutomation: true,
      },
    });
    const byHand = automated.exported["deployKeysToAddByHand"] as {
      repository: string;
      writeAccess: boolean;
    }[];
    expect(byHand.map(({ repository, writeAccess }) => [repository, writeAccess])).toEqual([
      ["git@github.com:acme/k8s-flux.git", true],
      [REPOSITORY, false],
    ]);
  });

  it("do not change how a key registered on GitHub rotates, with a record or without", async () => {
    const start = await upLogged(outsideGitHub(1));
    const raised = await upLogged(
      {
        ...outsideGitHub(1),
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", keyGeneration: 2 },
      },
      start.exported,
    );
    const before = urns(start.update.run);
    const after = urns(raised.update.run);
    expect(
      after
        .filter((urn) => !before.includes(urn))
        .map(name)
        .sort(),
    ).toEqual(["system-flux-deploy-key-github-gen2", "system-flux-deploy-key-key-gen2"]);
    expect(
      before
        .filter((urn) => !after.includes(urn))
        .map(name)
        .sort(),
    ).toEqual(["system-flux-deploy-key-github", "system-flux-deploy-key-key"]);
    expect(
      named(raised.update.run, TYPES.secret, "system-flux-deploy-key-secret").inputs["stringData"][
        "identity.pub"
      ],
    ).toBe(FAKE.publicKeyOpenssh("system-flux-deploy-key-key-gen2").trim());
    expect(raised.exported["deployKeyGenerations"]).toEqual({
      systemFlux: { inUse: 2, registeredOnGitHub: true },
      applications: { "sample-dev": { inUse: 1, registeredOnGitHub: false } },
    });
    expect(raised.warnings).toEqual([]);
  });
});
