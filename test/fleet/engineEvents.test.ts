/**
 * What the fleet reads from an operation's engine events: the engine's counts by kind of
 * change, the resources a refreshed preview would change, and the error diagnostics, without
 * debug diagnostics (which quote resource outputs).
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import {
  changeOf,
  countChanges,
  describeUrn,
  EngineEventLog,
} from "../../tools/fleet/engineEvents";
import { leftMidUpdate } from "../../tools/fleet/runFleetStack";

const STACK = "urn:pulumi:prod::k8s-flux::";
const ROLE_BINDING = `${STACK}k8s-flux:applicationFlux:ApplicationFlux$kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::app-payments-workloads-admin`;
const NAMESPACE = `${STACK}k8s-flux:applicationFlux:ApplicationFlux$kubernetes:core/v1:Namespace::app-payments-namespace`;
const SECRET = `${STACK}k8s-flux:systemFlux:SystemFlux$k8s-flux:deployKey:DeployKey$kubernetes:core/v1:Secret::system-flux-deploy-key-secret`;
const REFERENCE = `${STACK}pulumi:pulumi:StackReference::last-deployment-of-prod`;

let sequence = 0;
const event = (fields: Partial<EngineEvent>): EngineEvent => ({
  sequence: (sequence += 1),
  timestamp: 1_767_000_000 + sequence,
  ...fields,
});

/** A step as a preview plans it (planning) or as an update starts it. */
const step = (op: OpType, urn: string, planning = true): EngineEvent =>
  event({
    resourcePreEvent: {
      metadata: { op, urn, type: describeUrn(urn).type, provider: "" },
      planning,
    },
  });

/** A refresh step's end: `diffs` changed, or the resource gone (no new state). */
const refreshed = (urn: string, outcome: { diffs?: string[]; gone?: boolean }): EngineEvent => {
  const state = {
    type: describeUrn(urn).type,
    urn,
    id: "id",
    parent: "",
    inputs: {},
    outputs: {},
    provider: "",
  };
  return event({
    resOutputsEvent: {
      metadata: {
        op: "refresh",
        urn,
        type: state.type,
        provider: "",
        old: state,
        ...(outcome.gone ? {} : { new: state }),
        diffs: outcome.diffs ?? [],
      },
    },
  });
};

/** The engine also sends "debug", which the type leaves out. */
const diagnostic = (severity: "debug" | "info" | "warning" | "error", message: string) =>
  event({
    diagnosticEvent: {
      message,
      color: "never",
      severity: severity as "info",
    },
  });

describe("describeUrn", () => {
  it("gives the resource's own type, not its parents', and its name", () => {
    expect(describeUrn(ROLE_BINDING)).toEqual({
      type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      name: "app-payments-workloads-admin",
    });
    expect(describeUrn(`${STACK}pulumi:pulumi:Stack::k8s-flux-prod`)).toEqual({
      type: "pulumi:pulumi:Stack",
      name: "k8s-flux-prod",
    });
  });
});

describe("countChanges", () => {
  it("keeps the five kinds, zero for those the engine left out, and drops the rest", () => {
    expect(countChanges({ create: 2, same: 15, read: 1, refresh: 18 })).toEqual({
      create: 2,
      update: 0,
      delete: 0,
      replace: 0,
      same: 15,
    });
  });
});

describe("changeOf", () => {
  it("reports every step that changes a resource as create, update, delete, replace or import", () => {
    const ops: OpType[] = [
      "same",
      "read",
      "read-replacement",
      "refresh",
      "discard",
      "create",
      "update",
      "delete",
      "import",
      "replace",
      "create-replacement",
      "delete-replaced",
      "discard-replaced",
      "import-replacement",
      "remove-pending-replace",
    ];
    expect(Object.fromEntries(ops.map((op) => [op, changeOf(op)]))).toEqual({
      same: null,
      read: null,
      "read-replacement": null,
      refresh: null,
      discard: null,
      create: "create",
      update: "update",
      delete: "delete",
      import: "import",
      replace: "replace",
      "create-replacement": "replace",
      "delete-replaced": "replace",
      "discard-replaced": "replace",
      "import-replacement": "replace",
      "remove-pending-replace": "replace",
    });
  });
});

describe("EngineEventLog", () => {
  it("has no counts until the engine sums up, then the summary's", () => {
    const log = new EngineEventLog();
    log.onEvent(step("create", NAMESPACE));
    expect(log.changes()).toBeNull();
    log.onEvent(
      event({
        summaryEvent: {
          maybeCorrupt: false,
          durationSeconds: 4,
          resourceChanges: { create: 1, same: 17 },
          policyPacks: {},
        },
      }),
    );
    expect(log.changes()).toEqual({ create: 1, update: 0, delete: 0, replace: 0, same: 17 });
  });

  it("lists each resource a step would change once, with the change, and not those kept, read or refreshed", () => {
    const log = new EngineEventLog();
    for (const urn of [ROLE_BINDING, NAMESPACE, SECRET]) log.onEvent(step("refresh", urn));
    log.onEvent(step("read", REFERENCE));
    log.onEvent(step("same", NAMESPACE));
    log.onEvent(step("create", ROLE_BINDING));
    log.onEvent(step("create", ROLE_BINDING));
    log.onEvent(step("create-replacement", SECRET));
    log.onEvent(step("delete-replaced", SECRET));
    expect(log.changedResources()).toEqual([
      {
        urn: ROLE_BINDING,
        type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        name: "app-payments-workloads-admin",
        change: "create",
      },
      {
        urn: SECRET,
        type: "kubernetes:core/v1:Secret",
        name: "system-flux-deploy-key-secret",
        change: "replace",
      },
    ]);
  });

  it("reports the engine's rarer steps by the change they make, and an import as such", () => {
    const log = new EngineEventLog();
    log.onEvent(step("import", NAMESPACE));
    log.onEvent(step("discard-replaced", SECRET));
    log.onEvent(step("remove-pending-replace", ROLE_BINDING));
    log.onEvent(step("create", ROLE_BINDING));
    expect(log.changedResources().map(({ name, change }) => [name, change])).toEqual([
      ["app-payments-namespace", "import"],
      ["system-flux-deploy-key-secret", "replace"],
      ["app-payments-workloads-admin", "replace"],
    ]);
  });

  it("has begun changing once an update starts a changing step, not on a plan, a refresh or a kept resource", () => {
    const log = new EngineEventLog();
    log.onEvent(step("create", ROLE_BINDING));
    log.onEvent(step("refresh", NAMESPACE, false));
    log.onEvent(step("same", NAMESPACE, false));
    log.onEvent(step("read", REFERENCE, false));
    log.onEvent(refreshed(NAMESPACE, { diffs: ["metadata"] }));
    expect(log.beganChanging()).toBe(false);
    log.onEvent(step("delete", SECRET, false));
    expect(log.beganChanging()).toBe(true);
  });

  it("records a refresh that found a resource changed or gone, not one that found it as it was", () => {
    const unchanged = new EngineEventLog();
    unchanged.onEvent(refreshed(NAMESPACE, {}));
    expect(unchanged.refreshRecordedDifference()).toBe(false);
    const changed = new EngineEventLog();
    changed.onEvent(refreshed(NAMESPACE, { diffs: ["metadata"] }));
    expect(changed.refreshRecordedDifference()).toBe(true);
    const gone = new EngineEventLog();
    gone.onEvent(refreshed(ROLE_BINDING, { gone: true }));
    expect(gone.refreshRecordedDifference()).toBe(true);
  });

  it("keeps error diagnostics in order and nothing of debug, info or warning ones", () => {
    const log = new EngineEventLog();
    log.onEvent(diagnostic("debug", "RegisterResource RPC finished: PRIVATE KEY"));
    log.onEvent(diagnostic("error", "first\n"));
    log.onEvent(diagnostic("warning", "a warning"));
    log.onEvent(diagnostic("info", "an info line"));
    log.onEvent(diagnostic("error", "second\n"));
    expect(log.errorMessages()).toEqual(["first\n", "second\n"]);
  });
});

describe("leftMidUpdate", () => {
  const logOf = (...events: EngineEvent[]): EngineEventLog => {
    const log = new EngineEventLog();
    for (const each of events) log.onEvent(each);
    return log;
  };

  it("is an update that had started changing a resource, not one still refreshing", () => {
    const refreshing = logOf(step("refresh", NAMESPACE, false), step("same", NAMESPACE, false));
    expect(leftMidUpdate("up", refreshing)).toBe(false);
    const changing = logOf(step("refresh", NAMESPACE, false), step("create", ROLE_BINDING, false));
    expect(leftMidUpdate("up", changing)).toBe(true);
  });

  it("is a refresh that had written a difference into the state", () => {
    expect(leftMidUpdate("refresh", logOf(refreshed(NAMESPACE, {})))).toBe(false);
    expect(leftMidUpdate("refresh", logOf(refreshed(NAMESPACE, { gone: true })))).toBe(true);
  });

  it("is never a preview or a drift check, which change nothing", () => {
    const planned = logOf(
      step("create", ROLE_BINDING, false),
      refreshed(NAMESPACE, { gone: true }),
    );
    expect(leftMidUpdate("preview", planned)).toBe(false);
    expect(leftMidUpdate("drift", planned)).toBe(false);
  });
});
