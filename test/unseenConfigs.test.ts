/**
 * Stack configs as platform teams write them that no example stack holds: GitHub URLs spelt
 * another way, plain Git servers, values YAML typed other than meant, and lists with several
 * problems at once. Each is accepted as what it means, or refused with one line per problem
 * that names the key and says how to write it, before anything is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { app, MINIMAL, problemsOf, validate } from "./configFixtures";
import { TEST_HOST_KEYS } from "./fixtures/hostKeys";
import { attemptStack, runStack } from "./harness";

const PLAIN_GIT_SERVER = {
  "git.example.org": `git.example.org ${TEST_HOST_KEYS.ed25519}`,
};

describe("repository URLs", () => {
  it("reads a GitHub name ending in .GIT as GitHub does, without it", () => {
    const settings = validate({
      ...MINIMAL,
      systemFlux: { repository: "git@github.com:acme/k8s-flux.GIT" },
      applications: [app("shop", { repository: "ssh://git@github.com/acme/shop-flux.Git/" })],
    });
    expect(settings.systemFlux.repository).toEqual({
      original: "git@github.com:acme/k8s-flux.GIT",
      sshUrl: "ssh://git@github.com/acme/k8s-flux.git",
      host: "github.com",
      github: { owner: "acme", name: "k8s-flux" },
    });
    expect(settings.applications[0]?.repository.github).toEqual({
      owner: "acme",
      name: "shop-flux",
    });
  });

  it("registers the deploy key of a .GIT URL on the repository GitHub knows", async () => {
    const { run } = await runStack("dev", {
      settings: { systemFlux: { repository: "git@github.com:acme/k8s-flux.GIT" } },
    });
    const deployKey = run.one(
      "github:index/repositoryDeployKey:RepositoryDeployKey",
      "system-flux-deploy-key-github",
    );
    expect(deployKey.inputs["repository"]).toBe("k8s-flux");
    const instance = run.one(
      "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
      "system-flux-instance",
    );
    expect(instance.inputs["spec"]["sync"]["url"]).toBe("ssh://git@github.com/acme/k8s-flux.git");
  });

  it("counts a .GIT URL as the same repository as its .git spelling", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [app("shop", { repository: "git@github.com:acme/k8s-flux.GIT" })],
      }),
    ).toEqual([
      `k8s-flux:applications[0].repository: "git@github.com:acme/k8s-flux.GIT" is the same repository as k8s-flux:systemFlux.repository; expected a repository of the application's own (the system repository is applied with cluster-admin rights, so whoever pushes to the application's repository would own the cluster)`,
    ]);
  });

  it("accepts the scp-like form with an absolute path on a plain Git server", () => {
    const settings = validate({
      ...MINIMAL,
      applications: [app("shop", { repository: "git@git.example.org:/srv/git/shop.git" })],
      knownHosts: PLAIN_GIT_SERVER,
    });
    expect(settings.applications[0]?.repository).toEqual({
      original: "git@git.example.org:/srv/git/shop.git",
      sshUrl: "ssh://git@git.example.org/srv/git/shop.git",
      host: "git.example.org",
    });
  });
});

describe("values YAML typed other than meant", () => {
  it("says how to write each, all at once", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", keyGeneration: "2" },
        applications: [app("shop", { branch: 2024, networkPolicy: "true" })],
        metricsServer: { enabled: "no" },
      }),
    ).toEqual([
      'k8s-flux:systemFlux.keyGeneration: expected a number, got string "2"; write 2 without quotes',
      "k8s-flux:applications[0].branch: expected a string, got number 2024; YAML reads 2024 without quotes as a number: write the text in quotes (with pulumi config set --path, add --type string)",
      'k8s-flux:applications[0].networkPolicy: expected a boolean, got string "true"; write true or false, without quotes',
      'k8s-flux:metricsServer.enabled: expected a boolean, got string "no"; write true or false, without quotes',
    ]);
  });

  it("gives an interval written as a bare number the unit it lacks", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", interval: 60 },
      }),
    ).toEqual([
      "k8s-flux:systemFlux.interval: 60 is a number without a unit; expected a duration such as 1m, 90s or 1h30m (units ms, s, m, h)",
    ]);
  });

  it("calls knownHosts a map, as YAML users know it, when it is written as a list", () => {
    expect(
      problemsOf({ ...MINIMAL, knownHosts: [`git.example.org ${TEST_HOST_KEYS.ed25519}`] }),
    ).toEqual(["k8s-flux:knownHosts: expected a map, got a list"]);
  });
});

describe("lists and names at their limits", () => {
  it("reports every problem of the sealing keys, also next to an entry that is no text", () => {
    const tooLong = "k".repeat(64);
    expect(
      problemsOf({ ...MINIMAL, sealedSecrets: { keys: ["key-1", 2027, "key-1", tooLong] } }),
    ).toEqual([
      // Each entry's own problems first, then the list's.
      "k8s-flux:sealedSecrets.keys[1]: expected a string, got number 2027; YAML reads 2027 without quotes as a number: write the text in quotes (with pulumi config set --path, add --type string)",
      `k8s-flux:sealedSecrets.keys[3]: "${tooLong}" is too long for a Secret name; expected at most 63 characters`,
      'k8s-flux:sealedSecrets.keys[2]: "key-1" is listed twice; expected each key name once',
    ]);
  });

  it("says of a sealing key both that it is too long and that it is listed twice", () => {
    const tooLong = "k".repeat(64);
    expect(problemsOf({ ...MINIMAL, sealedSecrets: { keys: [tooLong, tooLong] } })).toEqual([
      `k8s-flux:sealedSecrets.keys[0]: "${tooLong}" is too long for a Secret name; expected at most 63 characters`,
      `k8s-flux:sealedSecrets.keys[1]: "${tooLong}" is too long for a Secret name; expected at most 63 characters`,
      `k8s-flux:sealedSecrets.keys[1]: "${tooLong}" is listed twice; expected each key name once`,
    ]);
  });

  it("says a cluster name is too long, not that its characters are wrong", () => {
    expect(validate({ ...MINIMAL, clusterName: "c".repeat(100) }).clusterName).toHaveLength(100);
    const name = "c".repeat(101);
    expect(problemsOf({ ...MINIMAL, clusterName: name })).toEqual([
      `k8s-flux:clusterName: "${name}" is 101 characters long; expected a cluster name of at most 100 characters`,
    ]);
  });

  it("runs a stack of 100 applications, each a tenant of its own", async () => {
    const applications = Array.from({ length: 100 }, (_, index) => app(`team-${index}`));
    const { run } = await runStack("dev", { settings: { applications } });
    const namespaces = run
      .ofType("kubernetes:core/v1:Namespace")
      .map((namespace) => namespace.inputs["metadata"]["name"] as string);
    expect(namespaces.filter((name) => name.startsWith("team-"))).toHaveLength(200);
    expect(
      run
        .ofType("github:index/repositoryDeployKey:RepositoryDeployKey")
        .map((key) => key.inputs["repository"]),
    ).toContain("team-99-flux");
  });
});

describe("the program", () => {
  it("refuses the typing mistakes in one RunError and registers nothing", async () => {
    const { run, error } = await attemptStack("dev", {
      settings: {
        sealedSecrets: { enabled: "false" },
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", interval: 120 },
      },
    });
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message.split("\n")).toEqual([
      "Invalid stack configuration (nothing was changed):",
      "  - k8s-flux:systemFlux.interval: 120 is a number without a unit; expected a duration such as 1m, 90s or 1h30m (units ms, s, m, h)",
      '  - k8s-flux:sealedSecrets.enabled: expected a boolean, got string "false"; write true or false, without quotes',
    ]);
    expect(run.resources).toEqual([]);
  });
});
