/**
 * DeployKey under mocks: the key pair, its registration on GitHub with the owner's provider from
 * `opts.providers`, and the Flux pull Secret that is written only once GitHub knows the key.
 */
import type * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { DeployKey as DeployKeyClass, DeployKeyArgs } from "../components/deployKey";
import type { GitRepositoryLocation } from "../components/shared/gitSource";
import { GITHUB_KNOWN_HOSTS } from "../components/shared/knownHosts";
import { FAKE, type MockRun, type Recorded, startMockRun, thrownMessage, valueOf } from "./harness";

const GITHUB_REPOSITORY: GitRepositoryLocation = {
  original: "git@github.com:acme/payments-flux.git",
  sshUrl: "ssh://git@github.com/acme/payments-flux.git",
  host: "github.com",
  github: { owner: "acme", name: "payments-flux" },
};

const GITLAB_REPOSITORY: GitRepositoryLocation = {
  original: "ssh://git@git.example.org:2222/platform/payments-flux.git",
  sshUrl: "ssh://git@git.example.org:2222/platform/payments-flux.git",
  host: "git.example.org",
  port: 2222,
};

const KNOWN_HOSTS = "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITESTHOSTKEY";
const GITLAB_KNOWN_HOSTS = "[git.example.org]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOTHERHOST";

/** A DeployKey's arguments for the payments repository on GitHub, before each test's own. */
const PAYMENTS = {
  repository: GITHUB_REPOSITORY,
  title: "k8s-flux dev-eks payments",
  knownHosts: KNOWN_HOSTS,
  secretName: "payments-deploy-key",
  secretNamespace: "payments-flux",
} satisfies DeployKeyArgs;

const TYPES = {
  component: "k8s-flux:deployKey:DeployKey",
  privateKey: "tls:index/privateKey:PrivateKey",
  deployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
  secret: "kubernetes:core/v1:Secret",
  githubProvider: "pulumi:providers:github",
} as const;

interface Built {
  run: MockRun;
  deployKey: DeployKeyClass;
  provider?: github.Provider;
}

/** Fresh mocks, then a DeployKey built with `overrides` on top of a GitHub repository's args. */
async function build(
  overrides: Partial<DeployKeyArgs> = {},
  withProvider = true,
  name = "payments-deploy-key",
): Promise<Built> {
  const run = await startMockRun("test");
  const githubSdk = await import("@pulumi/github");
  const { DeployKey } = await import("../components/deployKey");
  const provider = withProvider
    ? new githubSdk.Provider("github-acme", { owner: "acme" })
    : undefined;
  const deployKey = new DeployKey(
    name,
    {
      ...PAYMENTS,
      labels: { "toolkit.fluxcd.io/tenant": "payments" },
      ...overrides,
    },
    provider ? { providers: [provider] } : {},
  );
  await run.settle();
  return { run, deployKey, ...(provider ? { provider } : {}) };
}

/** The provider reference the engine gets is `<provider urn>::<provider id>`. */
const providerUrn = (reference: string): string => reference.slice(0, reference.lastIndexOf("::"));

const secretOf = (run: MockRun): Recorded => run.one(TYPES.secret, "payments-deploy-key-secret");

describe("DeployKey on a GitHub repository", () => {
  it("generates an ECDSA P-384 key pair in Pulumi state", async () => {
    const { run } = await build();
    const keys = run.ofType(TYPES.privateKey);
    expect(keys.map((k) => k.name)).toEqual(["payments-deploy-key-key"]);
    expect(keys[0]?.inputs).toEqual({ algorithm: "ECDSA", ecdsaCurve: "P384" });
  });

  it("registers the public key read-only on the repository, by name, with the owner's provider", async () => {
    const { run, deployKey } = await build();
    const registration = run.one(TYPES.deployKey, "payments-deploy-key-github");
    const expectedKey = FAKE.publicKeyOpenssh("payments-deploy-key-key").trim();
    expect(registration.inputs).toEqual({
      repository: "payments-flux",
      title: "k8s-flux dev-eks payments",
      key: expectedKey,
      readOnly: true,
    });
    const provider = run.one(TYPES.githubProvider, "github-acme");
    expect(provider.inputs["owner"]).toBe("acme");
    expect(providerUrn(registration.provider)).toBe(provider.urn);
    expect(deployKey.registeredOnGitHub).toBe(true);
    expect(await valueOf(deployKey.publicKey)).toBe(expectedKey);
  });

  it("registers the key with write access only when readOnly is false", async () => {
    const { run } = await build({ readOnly: false });
    expect(run.one(TYPES.deployKey, "payments-deploy-key-github").inputs["readOnly"]).toBe(false);
  });

  it("writes an Opaque Secret with exactly identity, identity.pub and known_hosts", async () => {
    const { run, deployKey } = await build();
    const secret = secretOf(run);
    expect(secret.inputs["apiVersion"]).toBe("v1");
    expect(secret.inputs["kind"]).toBe("Secret");
    expect(secret.inputs["type"]).toBe("Opaque");
    expect(secret.inputs["metadata"]).toEqual({
      name: "payments-deploy-key",
      namespace: "payments-flux",
      labels: {
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "k8s-flux",
        "app.kubernetes.io/component": "deploy-key",
        "toolkit.fluxcd.io/tenant": "payments",
      },
    });
    expect(secret.inputs["data"]).toBeUndefined();
    const stringData = secret.inputs["stringData"] as Record<string, string>;
    expect(Object.keys(stringData).sort()).toEqual(["identity", "identity.pub", "known_hosts"]);
    // Compared as booleans so a failure never prints key material.
    expect(stringData["identity"] === FAKE.privateKeyPem("payments-deploy-key-key")).toBe(true);
    expect(stringData["identity.pub"]).toBe(
      FAKE.publicKeyOpenssh("payments-deploy-key-key").trim(),
    );
    expect(stringData["known_hosts"]).toBe(KNOWN_HOSTS);
    expect(deployKey.secretName).toBe("payments-deploy-key");
    expect(await valueOf(deployKey.secret.metadata.name)).toBe("payments-deploy-key");
  });

  it("sends the Secret's data to the engine as a secret, and the public key in the clear", async () => {
    const { run } = await build();
    expect(secretOf(run).secretPaths).toEqual(["stringData"]);
    expect(run.one(TYPES.deployKey, "payments-deploy-key-github").secretPaths).toEqual([]);
  });

  it("writes the Secret only after the key is registered on GitHub", async () => {
    const { run } = await build();
    const registration = run.one(TYPES.deployKey, "payments-deploy-key-github");
    expect(secretOf(run).dependencies).toContain(registration.urn);
  });

  it("registers from the key pair alone: nothing of the Secret reaches the registration, so a Secret created anew registers no key again", async () => {
    const { run } = await build({ stagedGeneration: 2 });
    const secret = secretOf(run);
    const keys = run.ofType(TYPES.privateKey);
    const registrations = run.ofType(TYPES.deployKey);
    expect(registrations.map((r) => r.name)).toEqual([
      "payments-deploy-key-github",
      "payments-deploy-key-github-gen2",
    ]);
    for (const [i, registration] of registrations.entries()) {
      // What the engine diffs a registration by: its inputs, and what it waits for.
      expect(registration.dependencies).toEqual([keys[i]?.urn]);
      expect(Object.keys(registration.inputs).sort()).toEqual([
        "key",
        "readOnly",
        "repository",
        "title",
      ]);
      expect(JSON.stringify(registration.inputs)).not.toContain(
        FAKE.uid(TYPES.secret, secret.name),
      );
    }
    // The one link runs the other way: the Secret waits for the registration.
    expect(secret.dependencies).toContain(registrations[0]?.urn);
  });

  it("marks the private key secret and leaves the public key plain", async () => {
    const { deployKey } = await build();
    expect(await pulumi.isSecret(deployKey.privateKey)).toBe(true);
    expect(await pulumi.isSecret(deployKey.publicKey)).toBe(false);
    expect(
      (await valueOf(deployKey.privateKey)) === FAKE.privateKeyPem("payments-deploy-key-key"),
    ).toBe(true);
  });

  it("parents the key, the registration and the Secret to the component", async () => {
    const { run } = await build();
    const component = run.one(TYPES.component, "payments-deploy-key");
    const children = run.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `${TYPES.deployKey} payments-deploy-key-github`,
      `${TYPES.secret} payments-deploy-key-secret`,
      `${TYPES.privateKey} payments-deploy-key-key`,
    ]);
  });

  it("refuses a GitHub repository without a provider, naming the repository and its owner", async () => {
    const run = await startMockRun("test");
    const { DeployKey } = await import("../components/deployKey");
    let refusal: unknown;
    try {
      new DeployKey("payments-deploy-key", {
        ...PAYMENTS,
      });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(pulumi.ResourceError);
    expect((refusal as Error).message).toBe(
      "DeployKey payments-deploy-key: opts.providers has no GitHub provider; git@github.com:acme/payments-flux.git is on GitHub, so its deploy key is registered with a provider for acme; expected one in opts.providers, or registerOnGitHub set to false",
    );
    // Let the half-built component finish registering before the next test resets the mocks.
    await run.settle();
    expect(run.ofType(TYPES.privateKey)).toEqual([]);
    expect(run.ofType(TYPES.secret)).toEqual([]);
  });

  it("takes the provider as opts.provider too, or from its parent's providers", async () => {
    const run = await startMockRun("test");
    const githubSdk = await import("@pulumi/github");
    const { DeployKey } = await import("../components/deployKey");
    const provider = new githubSdk.Provider("github-acme", { owner: "acme" });
    const args = {
      repository: GITHUB_REPOSITORY,
      knownHosts: KNOWN_HOSTS,
      secretNamespace: "flux-system",
    };
    new DeployKey("single", { ...args, title: "single", secretName: "single" }, { provider });
    const parent = new pulumi.ComponentResource(
      "test:index:Parent",
      "parent",
      {},
      {
        providers: [provider],
      },
    );
    new DeployKey(
      "inherited",
      { ...args, title: "inherited", secretName: "inherited" },
      {
        parent,
      },
    );
    await run.settle();
    const providerUrn = run.one(TYPES.githubProvider, "github-acme").urn;
    const registrations = run.ofType(TYPES.deployKey);
    expect(registrations.map((r) => r.name).sort()).toEqual(["inherited-github", "single-github"]);
    for (const registration of registrations) {
      expect(registration.provider.startsWith(`${providerUrn}::`)).toBe(true);
    }
  });

  it("takes the repository as the SSH URL people paste", async () => {
    const { run, deployKey } = await build({ repository: "git@github.com:acme/payments-flux.git" });
    expect(run.one(TYPES.deployKey, "payments-deploy-key-github").inputs["repository"]).toBe(
      "payments-flux",
    );
    expect(deployKey.registeredOnGitHub).toBe(true);
  });

  it("pins github.com's published host keys when no known_hosts is given", async () => {
    const { run } = await build({ knownHosts: undefined });
    expect(secretOf(run).inputs["stringData"]["known_hosts"]).toBe(GITHUB_KNOWN_HOSTS);
  });

  it("refuses a URL it cannot parse, a host with no host keys, and generation 0", async () => {
    const refusals: string[] = [];
    for (const overrides of [
      { repository: "https://github.com/acme/payments-flux" },
      { repository: GITLAB_REPOSITORY, knownHosts: undefined },
      // A host named like an Object property is still a host with no built-in keys.
      { repository: "ssh://git@constructor/platform/payments-flux.git", knownHosts: undefined },
      // GitHub's other address, but on port 22: not taken for GitHub, and the message says why.
      { repository: "git@ssh.github.com:acme/payments-flux.git", knownHosts: undefined },
      { generation: 0 },
      { generation: 2, stagedGeneration: 2 },
      { stagedGeneration: 1.5 },
    ]) {
      const run = await startMockRun("test");
      const { DeployKey } = await import("../components/deployKey");
      refusals.push(
        await thrownMessage(
          () =>
            new DeployKey("payments-deploy-key", {
              ...PAYMENTS,
              registerOnGitHub: false,
              ...overrides,
            }),
        ),
      );
      await run.settle();
      expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
    }
    expect(refusals).toEqual([
      'DeployKey payments-deploy-key: repository "https://github.com/acme/payments-flux" is not an SSH URL; expected an SSH URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git',
      "DeployKey payments-deploy-key: knownHosts is required for ssh://git@git.example.org:2222/platform/payments-flux.git: no host keys are built in for git.example.org port 2222; expected its known_hosts lines, as printed by ssh-keyscan and checked out of band",
      "DeployKey payments-deploy-key: knownHosts is required for ssh://git@constructor/platform/payments-flux.git: no host keys are built in for constructor; expected its known_hosts lines, as printed by ssh-keyscan and checked out of band",
      "DeployKey payments-deploy-key: knownHosts is required for git@ssh.github.com:acme/payments-flux.git: no host keys are built in for ssh.github.com; expected its known_hosts lines, as printed by ssh-keyscan and checked out of band; GitHub's SSH over the HTTPS port is ssh.github.com port 443, such as ssh://git@ssh.github.com:443/owner/repo.git, whose host keys are built in and whose deploy keys are registered on GitHub",
      "DeployKey payments-deploy-key: generation must be a whole number from 1, not 0",
      "DeployKey payments-deploy-key: stagedGeneration is 2, the key already in use (generation); expected another number, or none",
      "DeployKey payments-deploy-key: stagedGeneration must be a whole number from 1, not 1.5",
    ]);
  });
});

describe("DeployKey's messages", () => {
  it("show its name with an invisible character escaped, as the caller can type it back", async () => {
    const run = await startMockRun("test");
    const { DeployKey } = await import("../components/deployKey");
    const message = await thrownMessage(
      () =>
        new DeployKey("payments\u202E-deploy-key", {
          ...PAYMENTS,
          registerOnGitHub: false,
          generation: 0,
        }),
    );
    await run.settle();
    expect(message).toBe(
      "DeployKey payments\\u202E-deploy-key: generation must be a whole number from 1, not 0",
    );
  });
});

describe("DeployKey on a repository outside GitHub", () => {
  const gitlab: Partial<DeployKeyArgs> = {
    repository: GITLAB_REPOSITORY,
    knownHosts: GITLAB_KNOWN_HOSTS,
  };

  it("registers nothing on GitHub and says so", async () => {
    const { run, deployKey } = await build(gitlab, false);
    expect(run.ofType(TYPES.deployKey)).toEqual([]);
    expect(deployKey.registeredOnGitHub).toBe(false);
    expect(await valueOf(deployKey.publicKey)).toBe(
      FAKE.publicKeyOpenssh("payments-deploy-key-key").trim(),
    );
  });

  it("ignores a provider it was given, registering nothing with it", async () => {
    const { run, deployKey } = await build(gitlab, true);
    expect(run.ofType(TYPES.deployKey)).toEqual([]);
    expect(deployKey.registeredOnGitHub).toBe(false);
  });

  it("still writes the pull Secret with the host's known_hosts", async () => {
    const { run } = await build(gitlab, false);
    const secret = secretOf(run);
    const stringData = secret.inputs["stringData"] as Record<string, string>;
    expect(Object.keys(stringData).sort()).toEqual(["identity", "identity.pub", "known_hosts"]);
    expect(stringData["identity"] === FAKE.privateKeyPem("payments-deploy-key-key")).toBe(true);
    expect(stringData["known_hosts"]).toBe(GITLAB_KNOWN_HOSTS);
    const key = run.one(TYPES.privateKey, "payments-deploy-key-key");
    expect(secret.dependencies).toContain(key.urn);
    expect(secret.dependencies.every((urn) => !urn.includes("RepositoryDeployKey"))).toBe(true);
  });
});

describe("two DeployKeys", () => {
  it("get distinct key pairs", async () => {
    const run = await startMockRun("test");
    const githubSdk = await import("@pulumi/github");
    const { DeployKey } = await import("../components/deployKey");
    const provider = new githubSdk.Provider("github-acme", { owner: "acme" });
    const args = {
      repository: GITHUB_REPOSITORY,
      knownHosts: KNOWN_HOSTS,
      secretNamespace: "flux-system",
    };
    const opts = { providers: [provider] };
    const first = new DeployKey("first", { ...args, title: "first", secretName: "first" }, opts);
    const second = new DeployKey(
      "second",
      { ...args, title: "second", secretName: "second" },
      opts,
    );
    await run.settle();
    expect(
      run
        .ofType(TYPES.privateKey)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["first-key", "second-key"]);
    expect(await valueOf(first.publicKey)).not.toBe(await valueOf(second.publicKey));
    // Each Secret holds its own key's private half, not the other's.
    const identities = ["first", "second"].map(
      (name) => run.k8s("Secret", name, "flux-system").inputs["stringData"]["identity"] as string,
    );
    expect([
      identities[0] === FAKE.privateKeyPem("first-key"),
      identities[1] === FAKE.privateKeyPem("second-key"),
      identities[0] === identities[1],
    ]).toEqual([true, true, false]);
    expect(
      run
        .ofType(TYPES.deployKey)
        .map((r) => r.inputs["title"])
        .sort(),
    ).toEqual(["first", "second"]);
  });
});

describe("a later generation of a DeployKey", () => {
  it("is a new key and registration, titled with its number, behind the same Secret", async () => {
    const { run, deployKey } = await build({
      generation: 3,
      title: pulumi.output("k8s-flux dev-eks payments"),
    });
    expect(run.ofType(TYPES.privateKey).map((r) => r.name)).toEqual([
      "payments-deploy-key-key-gen3",
    ]);
    const registration = run.one(TYPES.deployKey, "payments-deploy-key-github-gen3");
    expect(registration.inputs["title"]).toBe("k8s-flux dev-eks payments (key 3)");
    expect(secretOf(run).inputs["stringData"]["identity.pub"]).toBe(
      FAKE.publicKeyOpenssh("payments-deploy-key-key-gen3").trim(),
    );
    expect(deployKey.generation).toBe(3);
  });
});

describe("a staged generation of a DeployKey", () => {
  it("is a second key beside the one in use, kept out of the Secret", async () => {
    const { run, deployKey } = await build(
      { repository: GITLAB_REPOSITORY, knownHosts: GITLAB_KNOWN_HOSTS, stagedGeneration: 2 },
      false,
    );
    expect(run.ofType(TYPES.privateKey).map((r) => r.name)).toEqual([
      "payments-deploy-key-key",
      "payments-deploy-key-key-gen2",
    ]);
    expect(deployKey.generation).toBe(1);
    expect(deployKey.staged?.generation).toBe(2);
    expect(await valueOf(deployKey.staged?.publicKey ?? "")).toBe(
      FAKE.publicKeyOpenssh("payments-deploy-key-key-gen2").trim(),
    );
    expect(await valueOf(deployKey.publicKey)).toBe(
      FAKE.publicKeyOpenssh("payments-deploy-key-key").trim(),
    );
    const secret = secretOf(run);
    expect(secret.inputs["stringData"]["identity.pub"]).toBe(
      FAKE.publicKeyOpenssh("payments-deploy-key-key").trim(),
    );
    // The private half is the key in use's too; compared as booleans, never printed.
    const identity = secret.inputs["stringData"]["identity"] as string;
    expect([
      identity === FAKE.privateKeyPem("payments-deploy-key-key"),
      identity === FAKE.privateKeyPem("payments-deploy-key-key-gen2"),
    ]).toEqual([true, false]);
    // The Secret does not wait for, or read, the staged key.
    const staged = run.one(TYPES.privateKey, "payments-deploy-key-key-gen2");
    expect(secret.dependencies).not.toContain(staged.urn);
  });

  it("keeps its resource names when it becomes the key in use", async () => {
    const staging = await build({ stagedGeneration: 3 });
    const names = (run: MockRun) =>
      run.resources
        .filter((r) => r.name.endsWith("-gen3"))
        .map((r) => r.urn)
        .sort();
    const inUse = await build({ generation: 3 });
    expect(names(staging.run)).toEqual(names(inUse.run));
    expect(names(inUse.run).map((urn) => urn.split("::").pop())).toEqual([
      "payments-deploy-key-github-gen3",
      "payments-deploy-key-key-gen3",
    ]);
  });

  it("is registered on GitHub too when the key in use is, titled with its number", async () => {
    const { run } = await build({ stagedGeneration: 2 });
    expect(run.ofType(TYPES.deployKey).map((r) => [r.name, r.inputs["title"]])).toEqual([
      ["payments-deploy-key-github", "k8s-flux dev-eks payments"],
      ["payments-deploy-key-github-gen2", "k8s-flux dev-eks payments (key 2)"],
    ]);
    const secret = secretOf(run);
    expect(secret.dependencies).toContain(
      run.one(TYPES.deployKey, "payments-deploy-key-github").urn,
    );
    expect(secret.dependencies).not.toContain(
      run.one(TYPES.deployKey, "payments-deploy-key-github-gen2").urn,
    );
  });

  it("is none by default", async () => {
    const { deployKey } = await build();
    expect(deployKey.staged).toBeUndefined();
  });
});
