/**
 * The GitOps stage's hostile-tenant step: one attempt (hostileAttempts.ts), pushed as its own
 * commit on top of the harmless one, must end as the table says, and, whatever the table says,
 * nothing outside the tenant's namespaces may be created or applied, its Kustomization's inventory
 * must lie wholly in its namespace, and nothing it made may become Ready.
 */
import { expect } from "vitest";
import { listFluxObjects, type FluxObjectRef } from "../../tools/gitops/flux/objects";
import { requestReconcile } from "../../tools/gitops/flux/reconcile";
import { listEverything, outsideChanges } from "./clusterInventory";
import type { HostileAttempt } from "./hostileAttempts";
import {
  HOSTILE,
  isCommit,
  refKey,
  sourceOf,
  syncOf,
  tenantNamespaces,
  type StageEnvironment,
} from "./stageEnvironment";

/** The Kustomizations and ResourceSets the hostile tenant made itself, in its namespaces. */
async function tenantMadeFluxObjects(stage: StageEnvironment) {
  const root = refKey(syncOf(HOSTILE));
  return (await listFluxObjects(stage.admin())).filter(
    (object) =>
      tenantNamespaces(HOSTILE).includes(object.namespace) &&
      (object.kind === "Kustomization" || object.kind === "ResourceSet") &&
      refKey(object) !== root,
  );
}

export async function runAttempt(stage: StageEnvironment, attempt: HostileAttempt): Promise<void> {
  // managedFields times have whole seconds, and the check counts the push's whole second: an
  // apply that the previous step finished within that second would count as the attempt's.
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
  const before = await listEverything(stage.admin());
  stage.attackerServer.requests.splice(0);
  const pushed = new Date();
  const sha = await stage.push(
    HOSTILE.repository,
    ["mallory/base", `mallory/attempts/${attempt.folder}`],
    sourceOf(HOSTILE),
  );
  const sync = await stage.reconciledAt(sourceOf(HOSTILE), syncOf(HOSTILE), sha);
  const { outcome } = attempt;
  let reported: string;
  if (outcome.kind === "refused") {
    expect(sync.ready, sync.message ?? "").toBe("False");
    for (const pattern of outcome.message) expect(sync.message).toMatch(pattern);
    expect(isCommit(sync.lastAppliedRevision, sha)).toBe(false);
    reported = `${refKey(syncOf(HOSTILE))}: ${sync.reason}: ${sync.message}`;
  } else if (outcome.kind === "neutralised") {
    expect(sync.ready, sync.message ?? "").toBe("True");
    expect(isCommit(sync.lastAppliedRevision, sha), sync.lastAppliedRevision ?? "").toBe(true);
    const { apiVersion, kind, name, namedNamespace } = outcome.object;
    const object = { apiVersion, kind, metadata: { name } };
    expect(await stage.exists(object, HOSTILE.name), `${kind} ${HOSTILE.name}/${name}`).toBe(true);
    expect(await stage.exists(object, namedNamespace), `${kind} ${namedNamespace}/${name}`).toBe(
      false,
    );
    reported = `${kind} ${name} landed in ${HOSTILE.name}, not ${namedNamespace}`;
  } else {
    expect(sync.ready, sync.message ?? "").toBe("True");
    expect(isCommit(sync.lastAppliedRevision, sha), sync.lastAppliedRevision ?? "").toBe(true);
    const ref: FluxObjectRef = { ...outcome.object, namespace: HOSTILE.name };
    const refused = await stage.waitForStatus(
      ref,
      "refused",
      (current) =>
        current.ready === "False" &&
        outcome.message.every((pattern) => pattern.test(current.message ?? "")),
    );
    // Asked again, it is refused again.
    const requestedAt = await requestReconcile(stage.admin(), ref);
    await stage.waitForStatus(
      ref,
      "refused again when asked again",
      (current) =>
        current.lastHandledReconcileAt === requestedAt &&
        current.ready === "False" &&
        outcome.message.every((pattern) => pattern.test(current.message ?? "")),
    );
    reported = `${refKey(ref)}: ${refused.reason}: ${refused.message}`;
  }

  for (const request of attempt.reaches ?? []) {
    expect(stage.attackerServer.requests, `the attacker's server saw ${request}`).toContainEqual(
      expect.stringMatching(request),
    );
  }
  expect(await stage.inventoryNamespaces(syncOf(HOSTILE))).toEqual(
    expect.not.arrayContaining([expect.not.stringMatching(new RegExp(`^${HOSTILE.name}$`))]),
  );
  const after = await listEverything(stage.admin());
  // The only API the check cannot list: metrics.k8s.io, whose server (metrics-server) is a pod,
  // and no pod runs here. Any other gap would hide objects from the check.
  expect(after.unavailable.filter((entry) => !entry.startsWith("metrics.k8s.io/"))).toEqual([]);
  expect(outsideChanges(before.objects, after.objects, pushed, tenantNamespaces(HOSTILE))).toEqual(
    [],
  );
  for (const made of await tenantMadeFluxObjects(stage)) {
    expect(made.ready, `${refKey(made)}: ${made.message}`).not.toBe("True");
    expect(stage.seenReady.has(refKey(made)), `${refKey(made)} was seen Ready`).toBe(false);
  }
  console.log(`${attempt.title}: ${reported}`);
}
