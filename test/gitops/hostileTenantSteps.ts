/**
 * The GitOps stage's hostile-tenant steps. One attempt (hostileAttempts.ts), pushed as its own
 * commit on top of the harmless one, must end as the table says, and, whatever the table says,
 * nothing outside the tenant's namespaces may be created, deleted or written for it, its
 * Kustomization's inventory must lie wholly in its namespace, and nothing it made may become
 * Ready. A round of attempts ends with one sweep against a listing taken before its first push,
 * after everything the tenant left was retried once more: its syncs and ResourceSets retry on
 * their interval, after each attempt's own check.
 */
import { expect } from "vitest";
import {
  fluxObjectPath,
  listFluxObjects,
  type FluxObjectRef,
} from "../../tools/gitops/flux/objects";
import { waitFor, within } from "../../tools/kube/waitFor";
import { requestReconcile } from "../../tools/gitops/flux/reconcile";
import { type ClusterObject, listEverything, outsideChanges } from "./clusterInventory";
import type { HostileAttempt } from "./hostileAttempts";
import {
  HOSTILE,
  isCommit,
  refKey,
  sourceOf,
  SYSTEM_SYNC,
  syncOf,
  TENANTS,
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

/** Every object, listed from `since` on: writes from then on are compared with it. */
interface Listing {
  readonly objects: readonly ClusterObject[];
  readonly since: Date;
}

async function listFromNextSecond(stage: StageEnvironment): Promise<Listing> {
  // managedFields times have whole seconds, and the check counts the listing's whole second: a
  // write that the previous step finished within that second would count as this one's.
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));
  const since = new Date();
  return { objects: (await listEverything(stage.admin())).objects, since };
}

/** Nothing outside the tenant's namespaces changed since `before`, every API listed. */
async function expectNothingOutsideSince(
  stage: StageEnvironment,
  before: Listing,
): Promise<number> {
  const after = await listEverything(stage.admin());
  // The only API the check cannot list: metrics.k8s.io, whose server (metrics-server) is a pod,
  // and no pod runs here. Any other gap would hide objects from the check.
  expect(after.unavailable.filter((entry) => !entry.startsWith("metrics.k8s.io/"))).toEqual([]);
  expect(
    outsideChanges(before.objects, after.objects, before.since, tenantNamespaces(HOSTILE)),
  ).toEqual([]);
  return after.objects.length;
}

export async function runAttempt(stage: StageEnvironment, attempt: HostileAttempt): Promise<void> {
  const before = await listFromNextSecond(stage);
  stage.attackerServer.requests.splice(0);
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
  await expectNothingOutsideSince(stage, before);
  await expectNothingTheTenantMadeReady(stage);
  console.log(`${attempt.title}: ${reported}`);
}

async function expectNothingTheTenantMadeReady(stage: StageEnvironment): Promise<void> {
  for (const made of await tenantMadeFluxObjects(stage)) {
    expect(made.ready, `${refKey(made)}: ${made.message}`).not.toBe("True");
    expect(stage.seenReady.has(refKey(made)), `${refKey(made)} was seen Ready`).toBe(false);
  }
}

/**
 * One round of attempts, held as a whole: what changed outside the tenant's namespaces from
 * before its first push to after its last, including what the tenant's objects did between the
 * attempts' own checks and after the last one.
 */
export class HostileRound {
  private before: Listing | undefined;

  constructor(private readonly stage: StageEnvironment) {}

  /**
   * Lists everything, before the round's first push. The other syncs are first asked to
   * reconcile once more and waited for: a reconcile of the well-behaved tenant still queued from
   * its last push (a CI run saw its ConfigMap applied a second after its sync reported the
   * commit) would otherwise write outside the hostile tenant's namespaces within the round.
   */
  async begin(): Promise<void> {
    for (const ref of [SYSTEM_SYNC, ...TENANTS.filter((t) => t !== HOSTILE).map(syncOf)]) {
      const requestedAt = await requestReconcile(this.stage.admin(), ref);
      await this.stage.waitForStatus(
        ref,
        "reconciled once more before the round",
        (current) => current.lastHandledReconcileAt === requestedAt && current.ready === "True",
      );
    }
    this.before = await listFromNextSecond(this.stage);
  }

  /**
   * Asks the tenant's sync and every Kustomization and ResourceSet it made to reconcile once more
   * and waits until each has, then compares everything with the listing before the round.
   * Returns a line for the log.
   */
  async end(): Promise<string> {
    const before = this.before;
    if (!before) throw new Error("nothing was listed before the round's first attempt");
    const made: FluxObjectRef[] = (await tenantMadeFluxObjects(this.stage)).flatMap((object) =>
      object.kind === "Kustomization" || object.kind === "ResourceSet"
        ? [{ kind: object.kind, namespace: object.namespace, name: object.name }]
        : [],
    );
    // An attempt whose commit applied prunes what earlier attempts made; what is still on its way
    // out has nothing more to reconcile, and its finalizer's work is counted by the comparison.
    const left: FluxObjectRef[] = [];
    for (const ref of made) {
      if ((await this.deletion(ref)) === "present") left.push(ref);
      else await this.goneBy(ref);
    }
    for (const ref of [syncOf(HOSTILE), ...left]) {
      const requestedAt = await requestReconcile(this.stage.admin(), ref);
      await this.stage.waitForStatus(
        ref,
        "reconciled once more since asked",
        (current) => current.lastHandledReconcileAt === requestedAt,
      );
    }
    const listed = await expectNothingOutsideSince(this.stage, before);
    await expectNothingTheTenantMadeReady(this.stage);
    const seconds = (Date.now() - before.since.getTime()) / 1000;
    return `${listed} objects compared with the listing ${seconds.toFixed(0)} s before, after ${[syncOf(HOSTILE), ...left].map(refKey).join(", ")} reconciled once more: nothing outside ${tenantNamespaces(HOSTILE).join(", ")} was created, deleted, applied or written for the tenant`;
  }

  /** Whether a Flux object is there, on its way out (its deletion begun), or gone. */
  private async deletion(ref: FluxObjectRef): Promise<"present" | "deleting" | "gone"> {
    const response = await this.stage.admin().get(fluxObjectPath(ref));
    if (response.status === 404) return "gone";
    const { metadata } = response.body as { metadata?: { deletionTimestamp?: string } };
    return metadata?.deletionTimestamp === undefined ? "present" : "deleting";
  }

  /** Waits until a Flux object whose deletion has begun is gone. */
  private async goneBy(ref: FluxObjectRef): Promise<void> {
    await waitFor(
      async () => (await this.deletion(ref)) === "gone" || `${refKey(ref)} is still being deleted`,
      { deadline: within(90_000), intervalMs: 500 },
    );
  }
}
