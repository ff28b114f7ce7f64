/**
 * The fleet's summary as a table (aligned columns, then what needs attention) and as JSON
 * (the summary itself, every field of it documented in docs/operations/fleet.md).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderJson, renderTable } from "../../tools/fleet/render";
import { DRIFT_CHANGES, type DriftedResource } from "../../tools/fleet/summary";
import { REPO_ROOT } from "../../tools/repoRoot";
import { outcome, summaryOf } from "./outcomes";

const ROLE_BINDING: DriftedResource = {
  urn: "urn:pulumi:prod-us::k8s-flux::k8s-flux:applicationFlux:ApplicationFlux$kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::app-payments-workloads-admin",
  type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  name: "app-payments-workloads-admin",
  change: "create",
};
const PRIVILEGED =
  '  - k8s-flux:applications[0].podSecurity: "privileged" is not allowed; expected baseline or restricted (privileged would let the tenant take over nodes)';
const LOCK =
  "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";

const driftRun = summaryOf([
  outcome({ stack: "prod-eu", operation: "drift", result: "in-sync", durationSeconds: 6.37 }),
  outcome({
    stack: "prod-us",
    operation: "drift",
    result: "drifted",
    changes: { create: 1, update: 0, delete: 0, replace: 0, same: 17 },
    durationSeconds: 7.2,
    drift: [ROLE_BINDING],
  }),
]);

const troubledRun = summaryOf([
  outcome({
    stack: "staging",
    result: "invalid-config",
    changes: { create: 0, update: 0, delete: 0, replace: 0, same: 1 },
    firstError: "Invalid stack configuration (nothing was changed):",
    configProblems: ["Invalid stack configuration (nothing was changed):", PRIVILEGED],
  }),
  outcome({
    stack: "prod",
    result: "locked",
    changes: null,
    durationSeconds: 0.4,
    firstError: LOCK,
  }),
]);

describe("renderTable", () => {
  it("aligns the columns, counts right-aligned, and says what drifted below", () => {
    expect(renderTable(driftRun)).toBe(
      [
        "STACK    OPERATION  RESULT   CREATE  UPDATE  DELETE  REPLACE  SAME  DURATION  FIRST ERROR",
        "prod-eu  drift      in-sync       0       0       0        0    18     6.4 s",
        "prod-us  drift      drifted       1       0       0        0    17     7.2 s",
        "",
        "prod-us: drifted: kubernetes:rbac.authorization.k8s.io/v1:RoleBinding app-payments-workloads-admin (create)",
        "",
        "drift on 2 stack(s) in 30.3 s: 1 in-sync, 1 drifted; logs in /var/log/fleet; exit code 3",
        "",
      ].join("\n"),
    );
  });

  it("shows - where the engine never counted, cuts the first error, and gives config and lock in full below", () => {
    const lines = renderTable(troubledRun).split("\n");
    expect(lines[1]).toBe(
      "staging  up         invalid-config       0       0       0        0     1    12.3 s  Invalid stack configuration (nothing was changed):",
    );
    expect(lines[2]).toBe(
      `prod     up         locked               -       -       -        -     -     0.4 s  ${LOCK.slice(0, 97)}...`,
    );
    expect(lines.slice(3)).toEqual([
      "",
      "staging: Invalid stack configuration (nothing was changed):",
      `  ${PRIVILEGED}`,
      `prod: locked: ${LOCK}; see /var/log/fleet/prod.log`,
      "",
      "up on 2 stack(s) in 30.3 s: 1 invalid-config, 1 locked; logs in /var/log/fleet; exit code 1",
      "",
    ]);
  });

  it("gives a stack with no stack file its reason below, as the program never spoke", () => {
    const noStackFile = "no stack file Pulumi.bystander.yaml in /srv/k8s-flux; nothing was run";
    const run = summaryOf([
      outcome({
        stack: "bystander",
        operation: "preview",
        result: "invalid-config",
        changes: null,
        startedAt: null,
        finishedAt: null,
        durationSeconds: null,
        firstError: noStackFile,
      }),
    ]);
    expect(renderTable(run).split("\n").slice(1)).toEqual([
      `bystander  preview    invalid-config       -       -       -        -     -         -  ${noStackFile}`,
      "",
      `bystander: invalid-config: ${noStackFile}; see /var/log/fleet/bystander.log`,
      "",
      "preview on 1 stack(s) in 30.3 s: 1 invalid-config; logs in /var/log/fleet; exit code 1",
      "",
    ]);
  });

  it("names the stacks left mid-update and those never started after an interrupt", () => {
    const interrupted = summaryOf(
      [
        outcome({
          stack: "a",
          result: "cancelled",
          leftMidUpdate: true,
          pendingOperations: 2,
          firstError: "update canceled",
        }),
        outcome({
          stack: "b",
          result: "not-started",
          changes: null,
          durationSeconds: null,
          logFile: null,
        }),
      ],
      { interrupted: true },
    );
    expect(renderTable(interrupted).split("\n")).toEqual([
      "STACK  OPERATION  RESULT       CREATE  UPDATE  DELETE  REPLACE  SAME  DURATION  FIRST ERROR",
      "a      up         cancelled         0       0       0        0    18    12.3 s  update canceled",
      "b      up         not-started       -       -       -        -     -         -",
      "",
      "a: left mid-update, with 2 resource operation(s) begun and not finished; see /var/log/fleet/a.log",
      "",
      "up on 2 stack(s) in 30.3 s: 1 cancelled, 1 not-started (interrupted); logs in /var/log/fleet; exit code 130",
      "",
    ]);
  });
});

/** `a.b`, `stacks[].c`, `stacks[].drift[].d`: every field path of a JSON value, over every element. */
function fieldPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((element) => fieldPaths(element, `${prefix}[]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return [path, ...fieldPaths(child, path)];
  });
}

const jsonSection = (): string => {
  const markdown = readFileSync(join(REPO_ROOT, "docs", "operations", "fleet.md"), "utf8");
  return /^## JSON\n([\s\S]*?)^## /m.exec(markdown)?.[1] ?? "";
};

/** Field paths in the first cells of the JSON section's table: | `stacks[].result` | */
function documentedFields(): string[] {
  const section = jsonSection();
  return section
    .split("\n")
    .flatMap((line) => /^\|\s*`([A-Za-z[\].]+)`\s*\|/.exec(line)?.[1] ?? []);
}

describe("renderJson", () => {
  it("is the summary itself, and reads back equal", () => {
    expect(JSON.parse(renderJson(driftRun))).toEqual(driftRun);
  });

  it("has every field docs/operations/fleet.md documents, and no other", () => {
    const fields = [driftRun, troubledRun].flatMap((run) =>
      fieldPaths(JSON.parse(renderJson(run))),
    );
    expect(new Set(documentedFields())).toEqual(new Set(fields));
  });

  it("documents exactly the values drift[].change can hold", () => {
    const row = jsonSection()
      .split("\n")
      .find((line) => line.startsWith("| `stacks[].drift[].change`"));
    const meaning = row?.split("|")[3] ?? "";
    const documented = [...meaning.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]);
    expect(documented).toEqual([...DRIFT_CHANGES]);
  });
});
