/**
 * `npm run fleet` as a platform team runs it, with the real engine against real control planes:
 * three local stacks, each with a control plane of its own on 127.0.0.1, and a fourth stack no
 * glob here selects, which must never be touched.
 *
 * 1. `fleet up`, two at a time, brings all three up.
 * 2. `fleet drift` finds nothing.
 * 3. With a tenant RoleBinding deleted by hand in one cluster, `fleet drift` names exactly that
 *    stack and that resource, and exits non-zero.
 * 4. `fleet up` puts it back.
 * 5. With one stack's config refused by the program, the others still succeed, and the summary
 *    shows that stack's message.
 * 6. A stack another update holds is reported as locked at once; a glob that matches nothing
 *    runs nothing.
 * 7. Ctrl-C cancels the running updates and names the stacks left mid-update.
 *
 * Each step builds on the one before. Everything lives under .cache/fleet-stage, and no process
 * is left running, whatever fails.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../tools/control-plane/processes";
import { KubeApi } from "../../tools/kube/api";
import { writeStackConfig } from "../../tools/local/fleetProject";
import { type FleetRun, runFleetCli, summaryOf } from "../../tools/local/fleetProcess";
import { type LocalFleet, localFleetLayout, startLocalFleet } from "../../tools/local/localFleet";
import { killNow, processesMarked } from "../../tools/local/markedProcesses";
import { REPO_ROOT } from "../../tools/repoRoot";
import { pulumiOk, type PulumiContext } from "../../tools/local/pulumi";
import type { FleetSummary, StackOutcome } from "../../tools/fleet/summary";
import { chainSteps } from "../steps";

const WORK_DIR = join(REPO_ROOT, ".cache", "fleet-stage");
const LAYOUT = localFleetLayout(WORK_DIR);
const PROJECT_DIR = LAYOUT.projectDir;
const STATE_DIR = LAYOUT.stateDir;
const LOG_DIR = LAYOUT.logDir;
const SELECTOR = "fleet-*";
/** A stack of the same project that no glob of this suite matches. */
const BYSTANDER = "bystander";
const ROLE_BINDING_TYPE = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

/** Marks every process a fleet run of this suite starts, at any depth, so none survives it. */
const STAGE_MARK = { name: "K8S_FLUX_FLEET_STAGE", value: String(process.pid) };

const names = ["a", "b", "c"] as const;
let fleet: LocalFleet | undefined;
const pulumiContext: PulumiContext = { cwd: PROJECT_DIR, backendDir: STATE_DIR };

const stack = (name: (typeof names)[number]) => {
  const found = fleet?.stacks.get(`fleet-${name}`);
  if (!found) throw new Error(`stack fleet-${name} was not set up`);
  return found;
};

/** `npm run fleet -- <args>` as a process of its own; `whileRunning` may signal it. */
const runFleet = (
  args: readonly string[],
  whileRunning?: (pid: number) => Promise<void>,
): Promise<FleetRun> => runFleetCli(LAYOUT, args, STAGE_MARK, whileRunning);

const byStack = (summary: FleetSummary): Record<string, StackOutcome> =>
  Object.fromEntries(summary.stacks.map((outcome) => [outcome.stack, outcome]));

const resultsOf = (summary: FleetSummary): Record<string, string> =>
  Object.fromEntries(summary.stacks.map((outcome) => [outcome.stack, outcome.result]));

/** Where stack `name`'s tenant RoleBinding lives in its cluster. */
const roleBindingPath = (name: (typeof names)[number]): string =>
  `/apis/rbac.authorization.k8s.io/v1/namespaces/tenant-${name}/rolebindings/flux-reconciler-admin`;

const api = (name: (typeof names)[number]): KubeApi => new KubeApi(stack(name).cluster);

/** The most stacks whose runs overlapped in time. */
function mostAtOnce(outcomes: readonly StackOutcome[]): number {
  const edges = outcomes.flatMap((outcome) => [
    { at: Date.parse(outcome.startedAt ?? ""), step: 1 },
    { at: Date.parse(outcome.finishedAt ?? ""), step: -1 },
  ]);
  edges.sort((left, right) => left.at - right.at || left.step - right.step);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.step;
    most = Math.max(most, running);
  }
  return most;
}

/** The lock files the file backend holds for `stackName`. */
function locksOf(stackName: string): string[] {
  const dir = join(STATE_DIR, ".pulumi", "locks", "organization", "k8s-flux", stackName);
  return existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith(".json")) : [];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  // Stops what it started if it fails.
  fleet = await startLocalFleet({
    workDir: WORK_DIR,
    stacks: names.map((name) => ({ name: `fleet-${name}`, tenant: `tenant-${name}` })),
    bareStacks: [BYSTANDER],
  });
});

chainSteps();

afterAll(async () => {
  // A timed-out step may have left a fleet run, and what it started, behind.
  killNow(processesMarked(STAGE_MARK.name, STAGE_MARK.value));
  await fleet?.stop();
  await sleep(200);
  expect(
    processesMarked(STAGE_MARK.name, STAGE_MARK.value),
    "fleet processes still running",
  ).toEqual([]);
  expect(
    (fleet?.controlPlanePids ?? []).filter(isRunning),
    "control-plane processes still running",
  ).toEqual([]);
});

describe("npm run fleet, on three local stacks", () => {
  it("1. fleet up brings all three up, two at a time, and nothing else", async () => {
    const run = await runFleet(["up", "--stacks", SELECTOR, "--concurrency", "2", "--json"]);
    const summary = summaryOf(run);
    expect(run.code, run.stderr).toBe(0);
    expect(resultsOf(summary)).toEqual({
      "fleet-a": "succeeded",
      "fleet-b": "succeeded",
      "fleet-c": "succeeded",
    });
    expect(mostAtOnce(summary.stacks)).toBe(2);
    for (const outcome of summary.stacks) {
      expect(outcome.changes?.create, outcome.stack).toBeGreaterThan(0);
      expect(readFileSync(outcome.logFile ?? "", "utf8")).toContain(`Updating (${outcome.stack})`);
    }
    for (const name of names) {
      expect((await api(name).get(roleBindingPath(name))).status, `fleet-${name}`).toBe(200);
    }
    const bystander = JSON.parse(
      (await pulumiOk(["stack", "export", "--stack", BYSTANDER], pulumiContext)).stdout,
    ) as { deployment: { resources?: unknown[] } };
    expect(bystander.deployment.resources ?? []).toEqual([]);
  });

  it("2. fleet drift finds nothing", async () => {
    const run = await runFleet(["drift", "--stacks", SELECTOR, "--json"]);
    const summary = summaryOf(run);
    expect(run.code, run.stderr).toBe(0);
    expect(resultsOf(summary)).toEqual({
      "fleet-a": "in-sync",
      "fleet-b": "in-sync",
      "fleet-c": "in-sync",
    });
    expect(summary.stacks.map((outcome) => outcome.drift)).toEqual([[], [], []]);
  });

  it("3. a RoleBinding deleted by hand: fleet drift names that stack and that resource", async () => {
    const deleted = await api("b").request("DELETE", roleBindingPath("b"));
    expect(deleted.status).toBe(200);
    const run = await runFleet(["drift", "--stacks", SELECTOR, "--json"]);
    const summary = summaryOf(run);
    expect(run.code, run.stderr).toBe(3);
    expect(resultsOf(summary)).toEqual({
      "fleet-a": "in-sync",
      "fleet-b": "drifted",
      "fleet-c": "in-sync",
    });
    expect(byStack(summary)["fleet-b"]?.drift).toEqual([
      {
        urn: `urn:pulumi:fleet-b::k8s-flux::k8s-flux:applicationFlux:ApplicationFlux$${ROLE_BINDING_TYPE}::app-tenant-b-workloads-admin`,
        type: ROLE_BINDING_TYPE,
        name: "app-tenant-b-workloads-admin",
        change: "create",
      },
    ]);
    // A drift check changes nothing.
    expect((await api("b").get(roleBindingPath("b"))).status).toBe(404);
  });

  it("4. fleet up puts it back", async () => {
    const run = await runFleet(["up", "--stacks", SELECTOR, "--json"]);
    const summary = summaryOf(run);
    expect(run.code, run.stderr).toBe(0);
    expect(
      Object.fromEntries(summary.stacks.map((outcome) => [outcome.stack, outcome.changes?.create])),
    ).toEqual({ "fleet-a": 0, "fleet-b": 1, "fleet-c": 0 });
    expect((await api("b").get(roleBindingPath("b"))).status).toBe(200);
  });

  it("5. one stack's config refused: the others succeed, and the summary has its message", async () => {
    const c = stack("c");
    writeStackConfig(PROJECT_DIR, c, {
      "k8s-flux:applications": [
        {
          name: c.tenant,
          repository: `git@github.com:acme/${c.tenant}-flux.git`,
          podSecurity: "privileged",
        },
      ],
    });
    try {
      const run = await runFleet(["up", "--stacks", SELECTOR, "--json"]);
      const summary = summaryOf(run);
      expect(run.code, run.stderr).toBe(1);
      expect(resultsOf(summary)).toEqual({
        "fleet-a": "succeeded",
        "fleet-b": "succeeded",
        "fleet-c": "invalid-config",
      });
      expect(byStack(summary)["fleet-c"]?.configProblems).toEqual([
        "Invalid stack configuration (nothing was changed):",
        '  - k8s-flux:applications[0].podSecurity: "privileged" is not allowed; expected baseline or restricted (privileged would let the tenant take over nodes)',
      ]);
      expect(byStack(summary)["fleet-c"]?.firstError).toBe(
        "Invalid stack configuration (nothing was changed):",
      );
      // Refused before anything was registered: the tenant's namespace keeps its level.
      const namespace = (await api("c").get("/api/v1/namespaces/tenant-c")).body as {
        metadata: { labels: Record<string, string> };
      };
      expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    } finally {
      writeStackConfig(PROJECT_DIR, c);
    }
  });

  it("6. a locked stack is reported as locked at once, and a glob that matches nothing runs nothing", async () => {
    // What another `pulumi up` on fleet-a holds on the file backend while it runs.
    const lockDir = join(STATE_DIR, ".pulumi", "locks", "organization", "k8s-flux", "fleet-a");
    const lockFile = join(lockDir, "6a1f0c9e-another-update.json");
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: process.pid,
        username: "colleague",
        hostname: "ci-runner",
        timestamp: new Date().toISOString(),
      }),
    );
    try {
      const run = await runFleet(["up", "--stacks", "fleet-a"]);
      expect(run.code, run.stderr).toBe(1);
      const lines = run.stdout.split("\n");
      expect(lines[0]).toMatch(
        /^STACK +OPERATION +RESULT +CREATE +UPDATE +DELETE +REPLACE +SAME +DURATION +FIRST ERROR$/,
      );
      expect(lines[1]).toMatch(
        /^fleet-a +up +locked +- +- +- +- +- +\d+\.\d s +the stack is currently locked by 1 lock\(s\)/,
      );
      expect(lines).toContain(
        `fleet-a: locked: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.; see ${join(LOG_DIR, "fleet-a.log")}`,
      );
      expect(readFileSync(join(LOG_DIR, "fleet-a.log"), "utf8")).toContain(
        "created by colleague@ci-runner",
      );
    } finally {
      rmSync(lockFile);
    }

    const nothing = await runFleet(["drift", "--stacks", "fleet-a,flete-*"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stdout).toBe("");
    expect(nothing.stderr).toBe(
      `fleet: --stacks "fleet-a,flete-*": "flete-*" matches no stack, so nothing was run; stacks in the backend: ${BYSTANDER}, fleet-a, fleet-b, fleet-c\n`,
    );
  });

  it("7. Ctrl-C cancels the running updates and names the stacks left mid-update", async () => {
    const run = await runFleet(
      ["up", "--stacks", SELECTOR, "--concurrency", "2", "--json"],
      async (pid) => {
        // Both updates under way: each holds its stack's lock.
        while (!(locksOf("fleet-a").length > 0 && locksOf("fleet-b").length > 0)) {
          if (!isRunning(pid)) return;
          await sleep(100);
        }
        process.kill(pid, "SIGINT");
      },
    );
    expect(run.stderr).toMatch(
      /fleet: fleet-b: up started\n(.*\n)*fleet: cancelling the running operations \(fleet-a, fleet-b\)/,
    );
    const summary = summaryOf(run);
    expect(run.code, run.stderr).toBe(130);
    expect(summary.interrupted).toBe(true);
    expect(resultsOf(summary)).toEqual({
      "fleet-a": "cancelled",
      "fleet-b": "cancelled",
      "fleet-c": "not-started",
    });
    expect(summary.stacks.map((outcome) => outcome.leftMidUpdate)).toEqual([true, true, false]);
    // Each CLI got Ctrl-C once, and cancelled as in a terminal.
    for (const name of ["fleet-a", "fleet-b"]) {
      const log = readFileSync(join(LOG_DIR, `${name}.log`), "utf8");
      expect(log.match(/\^C received; cancelling/g), name).toHaveLength(1);
    }
    expect([...locksOf("fleet-a"), ...locksOf("fleet-b"), ...locksOf("fleet-c")]).toEqual([]);
    expect(processesMarked(STAGE_MARK.name, STAGE_MARK.value)).toEqual([]);
  });
});
