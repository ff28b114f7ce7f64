/**
 * State from an older program version (issue 14, item 5). The fixture
 * (test/faults/fixtures/older-state/<commit>/, made by `npm run fixtures:older-state` from
 * c59644c, the commit this round's issues were filed at, never edited by hand) is the local stack as that program left it:
 * its exported state and its stack config file. The current program updates it without replacing
 * or deleting any key: no tls or github resource, no Secret that holds a sealing or deploy key.
 * After the update the sealing certificate and every deploy public key are the fixture's, the key
 * Secrets hold them, and a second update changes nothing.
 *
 * The cluster that state describes went away with the fixture's control plane. A new one gets
 * back what the state says was there: each Kubernetes object as the provider applied it (its
 * inputs in state, secrets decrypted in memory only) under the provider's own field manager, so
 * that the update meets the objects and the field ownership the older program left. The
 * kubeconfig sits at the path the fixture's config names, as the provider's state records it:
 * another path would change the provider's own inputs, and a provider that finds another cluster
 * behind them is replaced with every object it manages.
 *
 * The current program refuses the commit's config as it was, by the one key it now requires
 * (External DNS's zones: `allZones: true` where no zone ids are listed), and changes nothing; the
 * scenario then adds that key, as this repository's own Pulumi.local.yaml got it, and nothing else.
 *
 * Preview and update run without --refresh, as a user's next update does: they diff the current
 * program against the state itself, which is where a replacement would show. A refresh against
 * a cluster missing the objects would drop them from state and create them again, hiding a
 * replacement rather than showing it.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { statusMessage } from "../../tools/kube/api";
import { waitForEstablished } from "../../tools/kube/apply";
import { isBuiltInGroup, apiGroupOf, type Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";
import {
  kubeconfigSetting,
  OLDER_STATE_COMMIT,
  OLDER_STATE_FILES,
  olderStateFixtureDir,
} from "../../tools/local/olderStateFixture";
import { pulumiOk, runPulumi } from "../../tools/local/pulumi";
import type { ExportedResource } from "../../tools/local/recovery";
import {
  expectNoChanges,
  type FaultStack,
  outputTail,
  STACK,
  startFaultStack,
  stopFaultStack,
  UP,
} from "./faultStack";
import {
  changedKeys,
  exportState,
  gitHubResources,
  keySecretMismatches,
  keysInOutputs,
  keysInState,
  objectDifferences,
  type PublishedKeys,
  publishedKeys,
  type StackState,
} from "./stackChecks";

const FIXTURE_DIR = olderStateFixtureDir(OLDER_STATE_COMMIT);
const fixtureFile = (name: string): string => join(FIXTURE_DIR, name);

/** A resource of an exported state, with the inputs the provider was given. */
interface StateResource extends ExportedResource {
  readonly inputs?: Record<string, unknown>;
}

interface Deployment {
  readonly resources: readonly StateResource[];
}

const fixtureDeployment = (): Deployment =>
  (
    JSON.parse(readFileSync(fixtureFile(OLDER_STATE_FILES.state), "utf8")) as {
      deployment: Deployment;
    }
  ).deployment;

/** The keys the older program published: its stack's outputs, as the fixture's state holds them. */
const fixtureKeys = (deployment: Deployment): PublishedKeys =>
  keysInOutputs(deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs);

/** `namespace/name` of each Secret that holds one of the published keys. */
const keySecretNames = (keys: PublishedKeys): Set<string> =>
  new Set([
    ...Object.keys(keys.sealing).map((name) => `kube-system/${name}`),
    "flux-system/flux-system",
    ...Object.keys(keys.applications).map((app) => `${app}-flux/${app}-deploy-key`),
  ]);

const SECRET = "kubernetes:core/v1:Secret";

/** URNs in the fixture's state of the Secrets that hold a key. */
function keySecretUrns(deployment: Deployment): Set<string> {
  const names = keySecretNames(fixtureKeys(deployment));
  return new Set(
    deployment.resources
      .filter((resource) => resource.type === SECRET)
      .filter((resource) => {
        const metadata = (resource.outputs?.["metadata"] ?? {}) as {
          namespace?: string;
          name?: string;
        };
        return names.has(`${metadata.namespace}/${metadata.name}`);
      })
      .map((resource) => resource.urn),
  );
}

/** The type of the resource a URN names (its last type, after its parents'). */
const typeOf = (urn: string): string => urn.split("::")[2]?.split("$").at(-1) ?? "";

/** What no update of an older state may do to a key resource. */
const KEY_LOSING_OPS = new Set(["replace", "create-replacement", "delete-replaced", "delete"]);

interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
}

/** The marker Pulumi wraps a secret in, in a state exported with --show-secrets. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** A value from a state exported with --show-secrets, each secret replaced by its plaintext. */
function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (SECRET_SIGNATURE in record) {
    if (typeof record["plaintext"] !== "string") throw new Error("a secret was not decrypted");
    return revealed(JSON.parse(record["plaintext"]));
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revealed(item)]));
}

const DISCOVERY_TIMEOUT_MS = 60_000;

/**
 * Applies each Kubernetes object of the stack's state, in the state's order (dependencies
 * first), as the provider applied it: its inputs, under the field manager the state records.
 * Returns how many. Nothing of it is printed: the inputs hold the private keys.
 */
async function restoreClusterObjects(stack: FaultStack): Promise<number> {
  const exported = await pulumiOk(["stack", "export", "--show-secrets", ...STACK], {
    ...stack.context,
    echo: false,
  });
  const resources = (JSON.parse(exported.stdout) as { deployment: Deployment }).deployment
    .resources;
  let restored = 0;
  for (const resource of resources) {
    if (!resource.custom || !resource.type.startsWith("kubernetes:")) continue;
    const manifest = revealed(resource.inputs) as Manifest;
    const fieldManager = resource.outputs?.["__fieldManager"];
    if (typeof fieldManager !== "string") throw new Error(`${resource.urn} has no field manager`);
    const { apiVersion, kind, metadata } = manifest;
    if (!isBuiltInGroup(apiGroupOf(apiVersion))) {
      await waitFor(
        async () =>
          (await stack.api.resource(apiVersion, kind)) !== undefined ||
          `the cluster does not serve ${kind} ${apiVersion} yet`,
        { deadline: within(DISCOVERY_TIMEOUT_MS) },
      );
    }
    const path = await stack.api.path(apiVersion, kind, metadata.namespace, metadata.name);
    const response = await stack.api.request(
      "PATCH",
      `${path}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`,
      manifest,
      "application/apply-patch+yaml",
    );
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`restoring ${resource.urn}: ${response.status} ${statusMessage(response)}`);
    }
    if (kind === "CustomResourceDefinition") await waitForEstablished(stack.api, metadata.name);
    restored += 1;
  }
  return restored;
}

const projectConfigPath = (stack: FaultStack): string =>
  join(stack.context.cwd, OLDER_STATE_FILES.config);

/**
 * The fixture's stack config file in the project copy, the kubeconfig where it names it, and
 * the fixture's state imported into the stack.
 */
async function installFixture(stack: FaultStack): Promise<void> {
  const config = readFileSync(fixtureFile(OLDER_STATE_FILES.config), "utf8");
  writeFileSync(projectConfigPath(stack), config);
  const kubeconfig = join(stack.context.cwd, kubeconfigSetting(config));
  mkdirSync(dirname(kubeconfig), { recursive: true });
  copyFileSync(stack.cluster.kubeconfigPath, kubeconfig);
  await pulumiOk(
    ["stack", "import", "--file", fixtureFile(OLDER_STATE_FILES.state), ...STACK],
    stack.context,
  );
}

let started: FaultStack | undefined;
let failed = false;
let restoredObjects = 0;

beforeAll(async () => {
  started = await startFaultStack("older-state");
  await installFixture(started);
  restoredObjects = await restoreClusterObjects(started);
});
beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
});
afterAll(async () => {
  await stopFaultStack(started, failed);
});

function stack(): FaultStack {
  if (!started) throw new Error("the stack did not start");
  return started;
}

/** The config keys a refused update names, one per problem line (`  - k8s-flux:...: why`). */
const refusedKeys = (output: string): string[] =>
  [...output.matchAll(/^\s*- (k8s-flux:[^\s:]+):/gm)].map((match) => match[1] ?? "");

const sortedValues = (record: Record<string, string>): string[] => Object.values(record).sort();

describe(`a stack whose state the program at ${OLDER_STATE_COMMIT} wrote`, () => {
  const deployment = fixtureDeployment();
  const keysBefore = fixtureKeys(deployment);
  const fixtureState: StackState = { resources: deployment.resources, pendingOperations: [] };

  it("the fixture holds keys to keep, and its cluster objects are back", () => {
    expect(Object.keys(keysBefore.sealing).length).toBeGreaterThan(0);
    expect(keysBefore.systemFlux).toMatch(/^ecdsa-sha2-/);
    expect(Object.keys(keysBefore.applications).length).toBeGreaterThan(0);
    expect(keySecretUrns(deployment).size).toBe(keySecretNames(keysBefore).size);
    expect(restoredObjects).toBe(
      deployment.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:")).length,
    );
  });

  it("the commit's stack config as it was: refused by the one key the current program requires, changing nothing", async () => {
    const update = await runPulumi(UP, stack().context);
    expect(update.code).not.toBe(0);
    expect(refusedKeys(`${update.stdout}\n${update.stderr}`), outputTail(update)).toEqual([
      "k8s-flux:externalDns.hostedZoneIds",
    ]);
    const state = await exportState(stack());
    expect(state.resources.map((resource) => resource.urn)).toEqual(
      deployment.resources.map((resource) => resource.urn),
    );
    expect(keysInState(state)).toEqual(keysInState(fixtureState));
  });

  it("pulumi preview with the current program replaces and deletes no key resource", async ({
    annotate,
  }) => {
    // What the refusal asks for, as this repository's own Pulumi.local.yaml got it; nothing else.
    const config = parseDocument(readFileSync(projectConfigPath(stack()), "utf8"));
    config.setIn(["config", "k8s-flux:externalDns", "allZones"], true);
    writeFileSync(projectConfigPath(stack()), config.toString());

    const keySecrets = keySecretUrns(deployment);
    const preview = await runPulumi(["preview", "--json", ...STACK], stack().context);
    expect(preview.code, outputTail(preview)).toBe(0);
    const { steps = [], changeSummary = {} } = JSON.parse(preview.stdout) as {
      steps?: PreviewStep[];
      changeSummary?: Record<string, number>;
    };
    const isKeyResource = (step: PreviewStep): boolean =>
      /^(tls|github):/.test(typeOf(step.urn)) || keySecrets.has(step.urn);
    const keysLost = steps
      .filter((step) => KEY_LOSING_OPS.has(step.op) && isKeyResource(step))
      .map(
        (step) =>
          `${step.op} ${step.urn} (replace: ${(step.replaceReasons ?? []).join(", ") || "-"}; diff: ${(step.diffReasons ?? []).join(", ") || "-"})`,
      );
    expect(keysLost).toEqual([]);

    // Steps list what changes; the summary counts the unchanged resources too.
    const counts = Object.entries(changeSummary).map(([op, count]) => `${count} ${op}`);
    await annotate(`preview of the ${OLDER_STATE_COMMIT} state: ${counts.join(", ")}`);
  });

  it("pulumi up keeps the sealing certificate and every deploy key, in outputs and Secrets", async () => {
    const update = await runPulumi(UP, stack().context);
    expect(update.code, outputTail(update)).toBe(0);

    const after = await publishedKeys(stack());
    expect(changedKeys(keysBefore, after)).toEqual([]);
    expect(after).toEqual(keysBefore);
    expect(await keySecretMismatches(stack(), after)).toEqual([]);

    const state: StackState = await exportState(stack());
    expect(sortedValues(keysInState(state))).toEqual(sortedValues(keysInState(fixtureState)));
    expect(gitHubResources(state)).toEqual([]);
    expect(await objectDifferences(stack(), state)).toEqual({
      orphaned: [],
      missing: [],
      recordedTwice: [],
    });
  });

  it("a second pulumi up changes nothing, once the rebuilt cluster's object uids are taken in", async () => {
    // Every object of the rebuilt cluster has a new uid, while state holds the fixture cluster's.
    // The sealed-secrets controller's pod template names its key Secrets' uids (so that a
    // re-created key Secret restarts it), so a refresh shows that one Deployment changing, and
    // nothing else. An upgraded cluster keeps its objects, and their uids, so a user never sees
    // this step; the fixture's cluster cannot come back with them.
    const preview = await runPulumi(["preview", "--refresh", "--json", ...STACK], stack().context);
    expect(preview.code, outputTail(preview)).toBe(0);
    const { steps = [] } = JSON.parse(preview.stdout) as { steps?: PreviewStep[] };
    expect(
      steps
        .filter((step) => !["same", "read", "refresh"].includes(step.op))
        .map((step) => `${step.op} ${typeOf(step.urn)} ${step.urn.split("::").pop() ?? ""}`),
    ).toEqual(["update kubernetes:apps/v1:Deployment sealed-secrets-deployment"]);
    await pulumiOk([...UP, "--refresh"], stack().context);

    await expectNoChanges(stack());
  });
});
