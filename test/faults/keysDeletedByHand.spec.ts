/**
 * Keys deleted by hand (issue 14, scenario 4), on a deployed local stack:
 *
 * 1. the sealing key's Secret is deleted from kube-system: `pulumi up --refresh` creates it again
 *    with the same key and certificate, and changes nothing else;
 * 2. a tenant's deploy-key Secret is deleted: `pulumi up --refresh` creates it again with the same
 *    key, registers nothing anywhere, and changes nothing else.
 *
 * Each ends with an update with no changes, every published key unchanged, and the key Secrets
 * holding them. What the Sealed Secrets controller does meanwhile is in
 * docs/operations/recovering-from-interruptions.md; no controller runs on this control plane.
 */
import { describe, expect, it } from "vitest";
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
    const changes = await deleteAndRestore("kube-system", keyName);
    expect(changes).toEqual(["create kubernetes:core/v1:Secret sealed-secrets-key-secret"]);
    await annotate(`kube-system/${keyName} deleted; pulumi up --refresh: ${changes.join(", ")}`);
  });

  it("a tenant's deploy-key Secret: pulumi up --refresh puts back the same key, registering nothing", async ({
    annotate,
  }) => {
    const [tenant] = localApplications();
    if (!tenant) throw new Error("Pulumi.local.yaml declares no application");
    expect(gitHubResources(await exportState(started()))).toEqual([]);
    const changes = await deleteAndRestore(`${tenant.name}-flux`, `${tenant.name}-deploy-key`);
    expect(changes).toEqual([
      `create kubernetes:core/v1:Secret app-${tenant.name}-deploy-key-secret`,
    ]);
    expect(gitHubResources(await exportState(started()))).toEqual([]);
    await annotate(
      `${tenant.name}-flux/${tenant.name}-deploy-key deleted; pulumi up --refresh: ${changes.join(", ")}`,
    );
  });
});
