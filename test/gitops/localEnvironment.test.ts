/**
 * The pieces of the GitOps stage and of `up:local` that need no server: the stack settings that
 * move a stack's repositories to the local git server (checked by the program's own config
 * validation), the stack output the deploy keys are added from, the pre-installed operator's
 * lockdown, the names of each sync's Flux objects, the cluster-wide change check, reading a
 * repository's head, what `local:status` makes of a SealedSecret, and the pulumi environment
 * file a shell sources to reach the local stack.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OPERATOR_NAME, fluxOperatorDeployment } from "../../tools/gitops/fluxOperator/runConfig";
import {
  PREINSTALLED_OPERATOR_VALUES,
  fluxOperatorChartRbac,
} from "../../tools/gitops/fluxOperator/preinstalled";
import { runCommandOk } from "../../tools/gitops/command";
import {
  authorizeDeployKeys,
  deployKeysToAdd,
  repositoryOnServer,
} from "../../tools/gitops/local/deployKeys";
import type { AuthorizedKey } from "../../tools/gitops/gitServer/authorizedKeys";
import { parsePublicKey } from "../../tools/gitops/gitServer/publicKey";
import {
  gitOpsStackSettings,
  localStackSyncs,
  repositoryPathOf,
  syncedRepositories,
} from "../../tools/gitops/local/stackSettings";
import {
  sealedSecretStatus,
  type SealedSecretObject,
} from "../../tools/gitops/local/sealedSecretsStatus";
import { branchHead } from "../../tools/gitops/local/statusReport";
import { pulumiEnvScript } from "../../tools/gitops/local/pulumiEnvFile";
import { toolDir } from "../../tools/go/cache";
import { pulumiCliTool } from "../../tools/go/pulumi/tool";
import { fileBackendUrl, LOCAL_STACK_PASSPHRASE } from "../../tools/pulumi/environment";
import { syncRefs } from "../../tools/gitops/local/syncRefs";
import { REPO_ROOT } from "../../tools/repoRoot";
import { validate } from "../configFixtures";
import { newEd25519PublicKey } from "./sshKeys";

const PORT = 2222;
const server = {
  host: "127.0.0.1",
  port: PORT,
  knownHostsLine: `[127.0.0.1]:${PORT} ${newEd25519PublicKey("host").split(" ").slice(0, 2).join(" ")}`,
  sshUrl: (repository: string) => `ssh://git@127.0.0.1:${PORT}/${repository}.git`,
};

/** The local stack's own `k8s-flux:` settings, as the program reads them. */
function localStackValues(): Record<string, unknown> {
  const config = (
    parse(readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    }
  ).config;
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => key.startsWith("k8s-flux:"))
      .map(([key, value]) => [key.slice("k8s-flux:".length), value]),
  );
}

describe("the local stack moved to the local git server", () => {
  const syncs = localStackSyncs();

  it("keeps each repository's owner/repo and every other setting of Pulumi.local.yaml", () => {
    expect(syncs.systemFlux).toMatchObject({
      repository: "acme/k8s-flux",
      path: "clusters/local",
      installOperator: false,
    });
    expect(
      syncs.applications.map((application) => [application.name, application.repository]),
    ).toEqual([
      ["sample-local", "acme/test-app-flux-repo"],
      ["payments-local", "acme/payments-flux"],
    ]);
    expect(syncedRepositories(syncs).map((synced) => [synced.target, synced.path])).toEqual([
      ["system", "clusters/local"],
      ["sample-local", "local-app"],
      ["payments-local", undefined],
    ]);
  });

  it("is a stack the program accepts: loopback URLs with their port, and their host key in knownHosts", () => {
    const settings = validate({ ...localStackValues(), ...gitOpsStackSettings(server, syncs) });
    expect(settings.systemFlux.repository.sshUrl).toBe(
      `ssh://git@127.0.0.1:${PORT}/acme/k8s-flux.git`,
    );
    expect(settings.applications.map((application) => application.repository.sshUrl)).toEqual([
      `ssh://git@127.0.0.1:${PORT}/acme/test-app-flux-repo.git`,
      `ssh://git@127.0.0.1:${PORT}/acme/payments-flux.git`,
    ]);
    expect(settings.knownHosts["127.0.0.1"]).toBe(server.knownHostsLine);
    expect(settings.systemFlux.installOperator).toBe(false);
  });

  it("reads owner/repo from either SSH spelling", () => {
    expect(repositoryPathOf("git@github.com:acme/k8s-flux.git")).toBe("acme/k8s-flux");
    expect(repositoryPathOf("ssh://git@git.example.org:2222/team/app.git")).toBe("team/app");
    expect(() => repositoryPathOf("https://github.com/acme/k8s-flux")).toThrow("is not an SSH URL");
  });
});

describe("deployKeysToAddByHand", () => {
  const key = newEd25519PublicKey("deploy");

  it("is read entry by entry from `pulumi stack output --json`", () => {
    expect(
      deployKeysToAdd({
        deployKeysToAddByHand: [{ repository: server.sshUrl("a/b"), publicKey: key }],
      }),
    ).toEqual([{ repository: server.sshUrl("a/b"), publicKey: key }]);
    expect(() => deployKeysToAdd({})).toThrow("the stack has no deployKeysToAddByHand output");
    expect(() => deployKeysToAdd({ deployKeysToAddByHand: [{ repository: 1 }] })).toThrow(
      "deployKeysToAddByHand[0] is not { repository, publicKey } with two strings",
    );
  });

  it("keeps each entry's generation, use and write access", () => {
    const entry = {
      repository: server.sshUrl("a/b"),
      publicKey: key,
      generation: 2,
      inUse: false,
      writeAccess: true,
    };
    expect(deployKeysToAdd({ deployKeysToAddByHand: [entry] })).toEqual([entry]);
  });

  it("adds each key with write access only where the entry asks for it", () => {
    const added: AuthorizedKey[] = [];
    const recording = {
      host: server.host,
      port: server.port,
      authorizedKeys: () => added,
      authorize(publicKey: string, repository: string, options?: { write?: boolean }) {
        const authorized = {
          publicKey,
          fingerprint: parsePublicKey(publicKey).fingerprint,
          repository,
          write: options?.write ?? false,
        };
        added.push(authorized);
        return authorized;
      },
    };
    const system = newEd25519PublicKey("system");
    const tenant = newEd25519PublicKey("tenant");
    const older = newEd25519PublicKey("older");
    const outcomes = authorizeDeployKeys(recording, [
      { repository: server.sshUrl("acme/platform"), publicKey: system, writeAccess: true },
      { repository: server.sshUrl("acme/shop"), publicKey: tenant, writeAccess: false },
      { repository: server.sshUrl("acme/shop"), publicKey: older },
      { repository: server.sshUrl("acme/platform"), publicKey: system, writeAccess: true },
    ]);
    expect(added.map(({ repository, write }) => [repository, write])).toEqual([
      ["acme/platform", true],
      ["acme/shop", false],
      ["acme/shop", false],
    ]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      "added",
      "added",
      "added",
      "already there",
    ]);
  });

  it("names repositories of this git server only", () => {
    expect(repositoryOnServer(server, server.sshUrl("acme/app"))).toBe("acme/app");
    for (const elsewhere of [
      "ssh://git@127.0.0.1:2223/acme/app.git",
      "ssh://git@github.com/acme/app.git",
      "git@github.com:acme/app.git",
    ]) {
      expect(() => repositoryOnServer(server, elsewhere), elsewhere).toThrow(
        "is not a repository of the local git server",
      );
    }
  });
});

describe("the pre-installed Flux Operator", () => {
  it("runs with the ResourceSet lockdown the program installs the chart with", () => {
    const container = fluxOperatorDeployment(PREINSTALLED_OPERATOR_VALUES).spec.template.spec
      .containers[0];
    expect(container?.args).toEqual([
      "--log-level=info",
      "--default-service-account=flux-operator-tenant",
      "--default-workload-identity-service-account=flux-operator-tenant",
    ]);
    expect(container?.env).toContainEqual({ name: "WEB_SERVER_PORT", value: "0" });
  });

  it("has the chart's RBAC: cluster-admin for itself, ResourceSets for every namespace admin", () => {
    const rbac = fluxOperatorChartRbac();
    const binding = rbac.find((object) => object.kind === "ClusterRoleBinding");
    expect(binding).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: OPERATOR_NAME, namespace: "flux-system" }],
    });
    const edit = rbac.find((object) => object.metadata.name === `${OPERATOR_NAME}-edit`);
    expect(edit?.metadata["labels"]).toMatchObject({
      "rbac.authorization.k8s.io/aggregate-to-admin": "true",
    });
    expect(edit?.["rules"]).toEqual([
      expect.objectContaining({ resources: ["resourcesets", "resourcesetinputproviders"] }),
    ]);
  });
});

describe("each sync's Flux objects", () => {
  it("are flux-system's for the system, and <app>-flux's for an application", () => {
    expect(syncRefs("system").sync).toEqual({
      kind: "Kustomization",
      namespace: "flux-system",
      name: "flux-system",
    });
    expect(syncRefs("payments").source).toEqual({
      kind: "GitRepository",
      namespace: "payments-flux",
      name: "payments",
    });
  });
});

describe("a repository's head", () => {
  const dir = mkdtempSync(join(tmpdir(), "branch-head-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is read from a loose ref, then from packed refs, and is null before the first push", async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.test",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.test",
    };
    const bare = join(dir, "repo.git");
    await runCommandOk("git", ["init", "--quiet", "--bare", "--initial-branch=main", bare], {
      env,
    });
    expect(branchHead(bare)).toBeNull();
    const tree = (await runCommandOk("git", [`--git-dir=${bare}`, "mktree"], { env })).trim();
    const commit = (
      await runCommandOk("git", [`--git-dir=${bare}`, "commit-tree", tree, "-m", "first"], { env })
    ).trim();
    await runCommandOk("git", [`--git-dir=${bare}`, "update-ref", "refs/heads/main", commit], {
      env,
    });
    expect(branchHead(bare)).toBe(commit);
    await runCommandOk("git", [`--git-dir=${bare}`, "pack-refs", "--all"], { env });
    expect(branchHead(bare)).toBe(commit);
  });
});

describe("a SealedSecret in local:status", () => {
  const UID = "0b6c2f4e-2d3a-4f7e-9a51-6f1d3c2b8e90";
  /** A SealedSecret as the API server returns it, with the controller's status if it wrote one. */
  const sealed = (
    generation: number,
    status?: SealedSecretObject["status"],
  ): SealedSecretObject => ({
    metadata: { namespace: "sample-local", name: "db", uid: UID, generation },
    ...(status ? { status } : {}),
  });
  const ownedBy = (uid: string) => ({
    ownerReferences: [{ uid, controller: true }],
  });

  it("is Synced with its Secret once the controller opened it", () => {
    const opened = sealed(2, {
      observedGeneration: 2,
      conditions: [{ type: "Synced", status: "True" }],
    });
    expect(sealedSecretStatus(opened, ownedBy(UID))).toEqual({
      namespace: "sample-local",
      name: "db",
      synced: "True",
      reason: null,
      message: null,
      current: true,
      secret: "owned",
    });
  });

  it("carries the controller's message when it could not open it", () => {
    const message = "no key could decrypt secret (password)";
    const refused = sealed(1, {
      observedGeneration: 1,
      conditions: [{ type: "Synced", status: "False", message }],
    });
    expect(sealedSecretStatus(refused, undefined)).toMatchObject({
      synced: "False",
      reason: null,
      message,
      current: true,
      secret: "missing",
    });
  });

  it("is Unknown and not current before the controller has looked at it", () => {
    expect(sealedSecretStatus(sealed(1), undefined)).toMatchObject({
      synced: "Unknown",
      current: false,
      secret: "missing",
    });
  });

  it("is not current while the condition describes an earlier generation", () => {
    const changed = sealed(3, {
      observedGeneration: 2,
      conditions: [{ type: "Synced", status: "True" }],
    });
    expect(sealedSecretStatus(changed, ownedBy(UID))).toMatchObject({
      synced: "True",
      current: false,
    });
  });

  it("tells a Secret of the same name that something else controls, or nothing does", () => {
    const opened = sealed(1, {
      observedGeneration: 1,
      conditions: [{ type: "Synced", status: "True" }],
    });
    expect(sealedSecretStatus(opened, ownedBy("another-uid")).secret).toBe("not owned");
    expect(sealedSecretStatus(opened, {}).secret).toBe("not owned");
    expect(
      sealedSecretStatus(opened, { ownerReferences: [{ uid: UID, controller: false }] }).secret,
    ).toBe("not owned");
  });
});

describe("pulumi-env.sh", () => {
  const dir = mkdtempSync(join(tmpdir(), "pulumi-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const backend = join(dir, "it's a checkout", "state");

  /** What a shell that sourced the file sees, one variable a line. */
  async function sourced(script: string): Promise<string[]> {
    const file = join(dir, "pulumi-env.sh");
    writeFileSync(file, script);
    const printed = await runCommandOk(
      "sh",
      [
        "-c",
        '. "$1" && printf "%s\\n" "$PATH" "$PULUMI_BACKEND_URL" "${PULUMI_CONFIG_PASSPHRASE-unset}" "$PULUMI_SKIP_UPDATE_CHECK"',
        "sh",
        file,
      ],
      { env: { PATH: "/usr/bin:/bin" } },
    );
    return printed.trimEnd().split("\n");
  }

  it("puts the built CLI first and the local stack's backend, quoted for any path", async () => {
    expect(await sourced(pulumiEnvScript(backend, { PATH: "/usr/bin:/bin" }))).toEqual([
      `${toolDir(pulumiCliTool)}:/usr/bin:/bin`,
      fileBackendUrl(backend),
      LOCAL_STACK_PASSPHRASE,
      "true",
    ]);
  });

  it("never writes down a passphrase the person chose", async () => {
    const script = pulumiEnvScript(backend, { PATH: "/usr/bin", PULUMI_CONFIG_PASSPHRASE: "mine" });
    expect(script).not.toContain("mine");
    expect((await sourced(script))[2]).toBe("unset");
  });
});
