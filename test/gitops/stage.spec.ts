/**
 * The GitOps stage (issue 9, item 6; issue 10, items 1 and 2), with the real programs: a local
 * control plane, the local git server, the Flux Operator, Flux's source- and kustomize-controller
 * and the sealed-secrets controller run by the process runner, and `pulumi up` with the locally
 * built engine on a stack whose repositories are on the git server. Deploy keys are added from
 * the stack output `deployKeysToAddByHand`, as a person would.
 *
 * a. the system repository is applied at its head; b. a well-behaved tenant is applied into its
 * namespace, and a second commit is timed from push to applied; c. a hostile tenant's attempts,
 * one commit each, are refused or neutralised, and nothing outside its namespaces is created,
 * deleted, applied or written for it, per attempt and over the whole round; d. one tenant's key opens no other repository; e. SealedSecrets sealed at run time
 * with `npm run seal -- --stack` and with kubeseal decrypt to exactly the sealed bytes, in a
 * tenant's namespace and from the system repository; f. the control plane is replaced by an
 * empty one and `pulumi up --refresh` brings a to e back, with no key added again; g. a second
 * sealing key is added and the default one retired, then a third added and the second (not the
 * default) retired, with the real controller; h. a tenant's and the system's deploy keys are
 * rotated as a person does it for keys added by hand, and no fetch fails; i. the sealing key's
 * Secret is deleted by hand, with and without a controller restart, and `pulumi up --refresh`
 * brings it back and restarts the controller, which decrypts again with no step by hand; j. teardown: nothing is left running or listening, whatever fails, and
 * a failure prints each controller's log.
 *
 * Needs root, sshd and git (tools/gitops/installPrerequisites.sh) and the built tools
 * (`npm run tools:build -- pulumi-engine control-plane gitops kubeseal`). Everything lives under
 * .cache/gitops-stage except the git server, which lives in
 * $TMPDIR/k8s-flux-gitops-stage-git-server-<pid> (see DIRS in stageEnvironment.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { requestReconcile } from "../../tools/gitops/flux/reconcile";
import { OPERATOR_NAME, OPERATOR_NAMESPACE } from "../../tools/gitops/fluxOperator/runConfig";
import { authorizeDeployKeys, deployKeysToAdd } from "../../tools/gitops/local/deployKeys";
import { flagOf } from "../../tools/gitops/runner/readiness";
import { waitFor, within } from "../../tools/kube/waitFor";
import { chainSteps } from "../steps";
import { GitClient } from "./gitClient";
import { DeployKeyRotationSteps } from "./deployKeyRotationSteps";
import { ATTEMPTS } from "./hostileAttempts";
import { HostileRound, runAttempt } from "./hostileTenantSteps";
import { NEW_KEY, SealedSecretsSteps } from "./sealedSecretsSteps";
import {
  DIRS,
  fixtureManifests,
  GOOD,
  HOSTILE,
  readyAt,
  refKey,
  sourceOf,
  StageEnvironment,
  SYSTEM,
  SYSTEM_SOURCE,
  SYSTEM_SYNC,
  syncOf,
  TENANTS,
  type Tenant,
} from "./stageEnvironment";

const stage = new StageEnvironment();
const sealedSecrets = new SealedSecretsSteps(stage);
const deployKeys = new DeployKeyRotationSteps(stage);

let setupFailed = false;

beforeAll(async () => {
  try {
    await stage.setUp();
  } catch (error) {
    setupFailed = true;
    await stage.printDiagnostics();
    throw error;
  }
});

chainSteps({
  skipAll: () => (setupFailed ? "the stage's setup failed" : undefined),
  // A refused attempt that was not refused is a finding, not a broken stage: go on.
  laterStepsGoOnAfter: (stepName) => stepName.includes("attempt"),
});

afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await stage.printDiagnostics();
});

afterAll(async () => {
  await deployKeys.stopWatching();
  const left = await stage.tearDown();
  expect(left.problems).toEqual([]);
  expect(left.pulumiLeft, "pulumi processes still running").toEqual([]);
  expect(left.running, "processes the stage started, still running").toEqual([]);
  expect(left.listening, "ports the stage used, still listened on").toEqual([]);
}, 120_000);

describe("the GitOps stage", () => {
  it("0. the pre-installed Flux Operator runs with the lockdown the program's chart values give it", async () => {
    await stage.startRunner();
    const operator = stage.workload(OPERATOR_NAME);
    expect(operator?.namespace).toBe(OPERATOR_NAMESPACE);
    const pid = operator?.pid as number;
    expect(flagOf(pid, "--default-service-account")).toBe("flux-operator-tenant");
    expect(flagOf(pid, "--default-workload-identity-service-account")).toBe("flux-operator-tenant");
  }, 180_000);

  it("1. pulumi up deploys the stack, and its deploy keys are added by hand from the output", async () => {
    await stage.pulumi(["up", "--yes"]);
    const keys = deployKeysToAdd(await stage.stackOutputs());
    expect(keys.map((key) => key.repository).sort()).toEqual(
      [SYSTEM.repository, ...TENANTS.map((tenant) => tenant.repository)]
        .map((repository) => stage.server.sshUrl(repository))
        .sort(),
    );
    const added = authorizeDeployKeys(stage.server, keys);
    expect(added.map((entry) => entry.outcome)).toEqual(["added", "added", "added"]);
    // The sources failed without their keys and back off; ask for a fetch now, as `flux
    // reconcile source git` does.
    for (const source of [SYSTEM_SOURCE, ...TENANTS.map(sourceOf)]) {
      await waitFor(
        async () => (await stage.status(source)) !== undefined || `${refKey(source)} absent`,
        { deadline: within(60_000) },
      );
      await requestReconcile(stage.admin(), source);
    }
  }, 300_000);

  it("a. the system repository is applied at its head, cluster-scoped objects and all", async () => {
    await checkSystem();
  }, 120_000);

  it("b. the well-behaved tenant is applied at its head, every object in its namespace", async () => {
    await checkGoodTenant();
  }, 120_000);

  it("b. a second commit to the well-behaved tenant is applied; the time from push to applied", async () => {
    const pushed = Date.now();
    const sha = await stage.push(GOOD.repository, ["storefront/second"], sourceOf(GOOD));
    await stage.waitForStatus(syncOf(GOOD), "Ready at the second commit", readyAt(sha));
    const seconds = (Date.now() - pushed) / 1000;
    const settings = await stage
      .admin()
      .get(`/api/v1/namespaces/${GOOD.name}/configmaps/storefront-settings`);
    expect((settings.body as { data: Record<string, string> }).data["CATALOG_PAGE_SIZE"]).toBe(
      "48",
    );
    console.log(`push to applied (storefront, with a reconcile request): ${seconds.toFixed(1)} s`);
  }, 120_000);

  it("c. the hostile tenant's harmless first commit is applied into its namespace", async () => {
    await stage.waitForStatus(
      syncOf(HOSTILE),
      "Ready at the head",
      readyAt(stage.heads.get(HOSTILE.repository) ?? ""),
    );
    expect(new Set(await stage.inventoryNamespaces(syncOf(HOSTILE)))).toEqual(
      new Set([HOSTILE.name]),
    );
  }, 120_000);

  describe("c. the hostile tenant", () => hostileRound());

  it("d. one tenant's deploy key opens neither another tenant's repository nor the system's", async () => {
    for (const tenant of TENANTS) await checkKeyIsolation(tenant);
  }, 120_000);

  describe("e. Sealed Secrets", () => {
    it("the controller runs as its Deployment and ServiceAccount, with the stack's key, and serves the stack's certificate", async () => {
      await sealedSecrets.controllerRunsWithTheStackKey();
    }, 240_000);

    it("a tenant's SealedSecrets sealed with `npm run seal -- --stack` (strict) and by kubeseal --cert (cluster-wide), and the system's, decrypt to exactly the sealed bytes", async () => {
      for (const line of await sealedSecrets.sealedAndDecrypted()) console.log(line);
    }, 240_000);
  });

  describe("f. disaster", () => {
    let keysBefore: string[] = [];
    let headsBefore: Map<string, string>;
    let controllerLogBefore = 0;

    it("the control plane is replaced by an empty one; pulumi up --refresh and the controllers bring every sync back; the recovery time", async () => {
      keysBefore = stage.server
        .authorizedKeys()
        .map((key) => `${key.repository} ${key.fingerprint} ${key.write}`);
      headsBefore = new Map(stage.heads);
      controllerLogBefore = sealedSecrets.logOffset();
      await stage.replaceControlPlane();
      expect((await stage.admin().get(`/api/v1/namespaces/${GOOD.name}`)).status).toBe(404);

      const prerequisites = Date.now();
      await stage.startRunner();
      const started = Date.now();
      await stage.pulumi(["up", "--yes", "--refresh"], { PULUMI_K8S_DELETE_UNREACHABLE: "true" });
      const upSeconds = (Date.now() - started) / 1000;
      await stage.waitForAllSyncs(240_000);
      const recovery = (Date.now() - started) / 1000;
      console.log(
        `recovery: ${recovery.toFixed(1)} s from the start of pulumi up --refresh to the last Kustomization at its head (pulumi up ${upSeconds.toFixed(1)} s; the pre-installed operator took ${((started - prerequisites) / 1000).toFixed(1)} s before it)`,
      );
    }, 420_000);

    it("no key was added again on the git server", async () => {
      const after = stage.server
        .authorizedKeys()
        .map((key) => `${key.repository} ${key.fingerprint} ${key.write}`);
      expect(after).toEqual(keysBefore);
      const authorized = new Set(stage.server.authorizedKeys().map((key) => key.publicKey));
      for (const key of deployKeysToAdd(await stage.stackOutputs())) {
        expect(
          authorized.has(key.publicKey.split(/\s+/).slice(0, 2).join(" ")),
          key.repository,
        ).toBe(true);
      }
    }, 60_000);

    it("a holds again: the system repository's objects are back", async () => {
      await checkSystem();
    }, 60_000);

    it("b holds again: the well-behaved tenant is at its head, in its namespace", async () => {
      await checkGoodTenant();
    }, 120_000);

    it("e holds again: the same SealedSecrets, unchanged in git, decrypt to the same bytes", async () => {
      expect(stage.heads.get(GOOD.repository)).toBe(headsBefore.get(GOOD.repository));
      expect(stage.heads.get(SYSTEM.repository)).toBe(headsBefore.get(SYSTEM.repository));
      await sealedSecrets.controllerRunsWithTheStackKey(controllerLogBefore);
      for (const line of await sealedSecrets.expectAllDecrypted()) console.log(line);
    }, 240_000);

    describe("c holds again", () => hostileRound());
  });

  describe("g. sealing-key rotation, with the real controller", () => {
    it("a second key: pulumi up restarts the controller, which loads both; the certificate moves to the new key; every old SealedSecret still decrypts", async () => {
      await sealedSecrets.addKey(NEW_KEY);
    }, 300_000);

    it("what `npm run seal -- --stack` seals now decrypts; the tenant's old SealedSecrets are re-sealed with the new key (--merge-into)", async () => {
      await sealedSecrets.sealWithNewKeyAndReseal();
    }, 240_000);

    it("retiring the default key sealed-secrets-key, update 1: the controller restarts without it, and a SealedSecret sealed only with it no longer decrypts, its status saying so", async () => {
      const { log, messages } = await sealedSecrets.retireDefaultKeyFirstUpdate();
      console.log(`the controller's log after the restart:\n${log}`);
      for (const message of messages) console.log(message);
    }, 300_000);

    it("retiring it, update 2: its key and Secret are deleted, the controller keeps running, and what was re-sealed still decrypts", async () => {
      await sealedSecrets.retireDefaultKeySecondUpdate();
    }, 240_000);

    it("a third key key-3: pulumi up restarts the controller, which loads key-2 and key-3; the certificate moves to key-3; what seal --stack seals now decrypts, and storefront-database is re-sealed with it", async () => {
      for (const line of await sealedSecrets.addThirdKeyAndReseal()) console.log(line);
    }, 300_000);

    it("retiring key-2, not the default, update 1: the controller restarts with key-3 alone; what key-2 alone sealed no longer decrypts, its status saying so; what key-3 sealed does", async () => {
      const { log, messages } = await sealedSecrets.retireSecondKeyFirstUpdate();
      console.log(`the controller's log after the restart:\n${log}`);
      for (const message of messages) console.log(message);
    }, 300_000);

    it("retiring key-2, update 2: its key and Secret are deleted, the controller keeps running, and what key-3 sealed still decrypts", async () => {
      await sealedSecrets.retireSecondKeySecondUpdate();
    }, 240_000);
  });

  describe("h. deploy-key rotation, keys added by hand: tenant storefront and the system Flux", () => {
    it("1. keyGeneration 2 and pulumi up stage key 2: both keys listed, Flux keeps key 1, no fetch fails", async () => {
      for (const warning of await deployKeys.raiseAndStage()) console.log(warning);
    }, 240_000);

    it("2. key 2 is added on the git server from deployKeysToAddByHand; no fetch fails", async () => {
      await deployKeys.authorizeStagedKeys();
    }, 120_000);

    it("3. pulumi up again switches Flux to key 2, which fetches, and key 1 is no longer used or listed", async () => {
      for (const warning of await deployKeys.switchToStagedKeys()) console.log(warning);
    }, 240_000);

    it("4. key 1 is removed from the git server; no fetch fails", async () => {
      await deployKeys.removeOldKeys();
    }, 120_000);

    it("5. a commit pushed now is applied; over the whole rotation no GitRepository reported a failed fetch, nor source-controller logged one", async () => {
      await deployKeys.pushAfterRotation();
    }, 120_000);
  });

  describe("i. the sealing key's Secret deleted by hand, with the real controller", () => {
    it("deleted while the controller runs: it is not restarted, keeps the key, serves its certificate, and decrypts what is sealed now", async () => {
      await sealedSecrets.keySecretDeletedWhileRunning();
    }, 240_000);

    it("pulumi up --refresh puts the same key back in a new Secret, whose new uid in the pod template restarts the controller; it loads the key, serves its certificate, and decrypts on", async () => {
      await sealedSecrets.refreshPutsTheKeyBack();
    }, 240_000);

    it("deleted again and the controller restarted (kubectl rollout restart): it makes a key of its own, serves its certificate, and decrypts nothing sealed before; the Secrets it made stay; what is sealed with its certificate decrypts", async () => {
      for (const line of await sealedSecrets.restartedWithoutTheKey()) console.log(line);
    }, 240_000);

    it("pulumi up --refresh puts the stack's key back and restarts the controller, with no step by hand: it holds both keys, serves its own certificate still, and everything sealed with either key decrypts, also what seal --stack seals now", async () => {
      for (const line of await sealedSecrets.refreshRestartsTheController()) console.log(line);
    }, 240_000);

    it("housekeeping, as the recovery page says: what its certificate sealed is re-sealed with seal --stack, its key deleted and the controller restarted; it holds the stack's key alone, serves its certificate, and everything sealed for it decrypts", async () => {
      await sealedSecrets.removeTheControllersOwnKey();
    }, 240_000);
  });
});

/**
 * Every attempt, one commit each, between a listing of everything before the first and a sweep
 * after the last, once what the tenant left has been retried.
 */
function hostileRound(): void {
  const round = new HostileRound(stage);
  it("before the first attempt: every object of every kind is listed", () => round.begin(), 60_000);
  for (const attempt of ATTEMPTS) {
    it(`attempt: ${attempt.title}`, () => runAttempt(stage, attempt), 180_000);
  }
  it("after the last attempt, and one more reconcile of everything the tenant left: nothing outside its namespaces was created, deleted, applied or written for it since before the first attempt", async () => {
    console.log(await round.end());
  }, 240_000);
}

async function checkSystem(): Promise<void> {
  await stage.waitForStatus(
    SYSTEM_SYNC,
    "Ready at the head",
    readyAt(stage.heads.get(SYSTEM.repository) ?? ""),
  );
  const objects = fixtureManifests("platform/clusters/stage");
  expect(objects.length).toBeGreaterThan(3);
  for (const object of objects) {
    expect(await stage.exists(object), JSON.stringify(object.metadata)).toBe(true);
  }
}

async function checkGoodTenant(): Promise<void> {
  const sha = stage.heads.get(GOOD.repository) ?? "";
  await stage.waitForStatus(syncOf(GOOD), "Ready at the head", readyAt(sha));
  expect(new Set(await stage.inventoryNamespaces(syncOf(GOOD)))).toEqual(new Set([GOOD.name]));
  for (const object of fixtureManifests("storefront/first/deploy")) {
    expect(await stage.exists(object, GOOD.name), `${object.kind} ${object.metadata.name}`).toBe(
      true,
    );
  }
}

/** The tenant's key, as Flux holds it, opens its own repository read-only and no other. */
async function checkKeyIsolation(tenant: Tenant): Promise<void> {
  const server = stage.server;
  const client = new GitClient(await tenantIdentity(tenant), server.knownHostsLine, DIRS.scratch);
  const own = await client.git(["ls-remote", server.sshUrl(tenant.repository)]);
  expect(own.code, own.stderr).toBe(0);
  expect(own.stdout).toContain(stage.heads.get(tenant.repository));
  const others = [
    SYSTEM.repository,
    ...TENANTS.filter((other) => other !== tenant).map((other) => other.repository),
  ];
  for (const repository of others) {
    const result = await client.git(["ls-remote", server.sshUrl(repository)]);
    expect(result.code, `${tenant.name}'s key on ${repository}`).not.toBe(0);
    expect(result.stderr).toContain("ERROR: Repository not found.");
    expect(result.stdout).toBe("");
  }
  const checkout = join(DIRS.scratch, `checkout-${tenant.name}`);
  expect(
    (await client.git(["clone", "--quiet", server.sshUrl(tenant.repository), checkout])).code,
  ).toBe(0);
  const pushed = await client.git(["push", "origin", "HEAD:refs/heads/escalate"], checkout);
  expect(pushed.code).not.toBe(0);
  expect(pushed.stderr).toContain(
    "The key you are authenticating with has been marked as read only.",
  );
}

/** The tenant's deploy key as Flux holds it, written where ssh can use it. */
async function tenantIdentity(
  tenant: Tenant,
): Promise<{ privateKeyPath: string; publicKey: string }> {
  const response = await stage
    .admin()
    .get(`/api/v1/namespaces/${tenant.name}-flux/secrets/${tenant.name}-deploy-key`);
  const data = (response.body as { data: Record<string, string> }).data;
  const path = join(DIRS.scratch, `${tenant.name}-identity`);
  writeFileSync(path, Buffer.from(data["identity"] ?? "", "base64"), { mode: 0o600 });
  return {
    privateKeyPath: path,
    publicKey: Buffer.from(data["identity.pub"] ?? "", "base64").toString(),
  };
}
