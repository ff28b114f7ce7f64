/**
 * What the fleet reads from an operation's engine events: the engine's counts by kind of
 * change, the resources a refreshed preview would change, and the error diagnostics, without
 * debug diagnostics (which quote resource outputs).
 */
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";
import { countChanges, describeUrn, EngineEventLog } from "../../tools/fleet/engineEvents";

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

const step = (op: OpType, urn: string): EngineEvent =>
  event({
    resourcePreEvent: {
      metadata: { op, urn, type: describeUrn(urn).type, provider: "" },
      planning: true,
    },
  });

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
