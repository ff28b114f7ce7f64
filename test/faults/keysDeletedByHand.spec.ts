/**
 * Keys deleted by hand (issue 14, scenario 4), on a deployed local stack:
 *
 * 1. the sealing key's Secret is deleted from kube-system: `pulumi up --refresh` creates it again
 *    with the same key and certificate, and updates the controller's Deployment, whose pod
 *    template names the Secret by its uid, new now (that is what restarts the controller so it
 *    loads the key again); it changes nothing else;
 * 2. a tenant's deploy-key Secret is deleted: `pulumi up --refresh` creates it again with the same
 *    key, and changes nothing else.
 *
 * Each ends with an update with no changes, every published key unchanged, and the key Secrets
 * holding them. What the Sealed Secrets controller does meanwhile is in
 * docs/operations/recovering-from-interruptions.md and the GitOps stage's step i; no controller
 * runs on this control plane.
 *
 * The local stack registers no deploy key on GitHub (`registerDeployKeys: false`), so its state
 * holds no `github:` resource, and this spec cannot show that no key is registered again: its
 * check that the state has none before and after is true whatever the refresh does. That a
 * Secret created anew cannot register a key again is shown by test/deployKey.test.ts: nothing of
 * the Secret is among a registration's inputs or dependencies.
 */
import { describe, expect, it } from "vitest";
import {
  KEY_SECRET_UIDS_ANNOTATION,
  SEALED_SECRETS_CONTROLLER,
  SEALED_SECRETS_NAMESPACE,
} from "../../components/sealedSecrets/manifests";
import { changesSomething } from "./engineEvents";
import {
  expectNoChanges,
  localApplications,
  outputTail,
  startUpWithEvents,
  useDeployedFaultStack,
} from "./faultStack";
import {
  changedKeys,
  exportState,
  gitHubResources,
  keySecretMismatches,
  keysInState,
  publishedKeys,
  secretPath,
} from "./stackChecks";

const started = useDeployedFaultStack("keys-deleted");

/** `<type> <name>` of a URN, as the engine reports a step. */
const stepName = (urn: string): string => {
  const [type = "", name = ""] = urn.split("::").slice(2);
  return `${type.split("$").at(-1)} ${name}`;
};

/** A Secret's uid in the cluster now. */
async function secretUid(namespace: string, name: string): Promise<string | undefined> {
  const response = await started().api.get(secretPath(namespace, name));
  return (response.body as { metadata?: { uid?: string } }).metadata?.uid;
}

/** What the controller's pod template says of its key Secrets: `<key>=<uid>`, one per key. */
async function podTemplateKeySecretUids(): Promise<string | undefined> {
  const response = await started().api.get(
    `/apis/apps/v1/namespaces/${SEALED_SECRETS_NAMESPACE}/deployments/${SEALED_SECRETS_CONTROLLER}`,
  );
  expect(response.status).toBe(200);
  const deployment = response.body as {
    spec: { template: { metadata: { annotations?: Record<string, string> } } };
  };
  return deployment.spec.template.metadata.annotations?.[KEY_SECRET_UIDS_ANNOTATION];
}

/**
 * Deletes one key Secret, runs `pulumi up --refresh`, and checks that the update created that
 * Secret again and changed nothing else, and that every key, in state and published, is as before.
 * Returns the steps that changed something, for the report.
 */
async function deleteAndRestore(namespace: string, name: string): Promise<string[]> {
  const faultStack = started();
  const before = await publishedKeys(faultStack);
  const keysBefore = keysInState(await exportState(faultStack));

  expect((await faultStack.api.delete(secretPath(namespace, name))).status).toBe(200);
  expect((await faultStack.api.get(secretPath(namespace, name))).status).toBe(404);

  const { command, events } = await startUpWithEvents(faultStack, ["--refresh"]);
  let update;
  try {
    update = await command.result;
  } finally {
    await events.close();
  }
  expect(update.code, outputTail(update)).toBe(0);
  const changes = events.progress.begun
    .filter(changesSomething)
    .map((step) => `${step.op} ${stepName(step.urn)}`);

  const state = await exportState(faultStack);
  const after = await publishedKeys(faultStack);
  expect(changedKeys(before, after)).toEqual([]);
  expect(keysInState(state)).toEqual(keysBefore);
  expect(await keySecretMismatches(faultStack, after)).toEqual([]);
  await expectNoChanges(faultStack);
  return changes;
}

describe("key Secrets deleted by hand", () => {
  it("the sealing key's Secret: pulumi up --refresh puts back the same key and certificate", async ({
    annotate,
  }) => {
    const [keyName] = Object.keys((await publishedKeys(started())).sealing);
    if (!keyName) throw new Error("the stack publishes no sealing key");
    const uidsBefore = await podTemplateKeySecretUids();
    expect(uidsBefore).toBe(`${keyName}=${await secretUid("kube-system", keyName)}`);
    const changes = await deleteAndRestore("kube-system", keyName);
    expect(changes).toEqual([
      "create kubernetes:core/v1:Secret sealed-secrets-key-secret",
      "update kubernetes:apps/v1:Deployment sealed-secrets-deployment",
    ]);
    const uidsAfter = await podTemplateKeySecretUids();
    expect(uidsAfter).toBe(`${keyName}=${await secretUid("kube-system", keyName)}`);
    expect(uidsAfter).not.toBe(uidsBefore);
    await annotate(`kube-system/${keyName} deleted; pulumi up --refresh: ${changes.join(", ")}`);
  });

  it("a tenant's deploy-key Secret: pulumi up --refresh puts back the same key, changing nothing else", async ({
    annotate,
  }) => {
    const [tenant] = localApplications();
    if (!tenant) throw new Error("Pulumi.local.yaml declares no application");
    // No registration to keep: this stack has none (see the file's comment).
    expect(gitHubResources(await exportState(started()))).toEqual([]);
    const changes = await deleteAndRestore(`${tenant.name}-flux`, `${tenant.name}-deploy-key`);
    expect(changes).toEqual([
      `create kubernetes:core/v1:Secret app-${tenant.name}-deploy-key-secret`,
    ]);
    await annotate(
      `${tenant.name}-flux/${tenant.name}-deploy-key deleted; pulumi up --refresh: ${changes.join(", ")}`,
    );
  });
});
