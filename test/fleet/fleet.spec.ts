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
 * 6. A stack another update holds is reported as locked at once, by `up` and by `drift` (whose
 *    preview takes no lock); a glob that matches nothing runs nothing.
 * 7. Ctrl-C, while two updates are deleting a renamed tenant, cancels both and names them as
 *    left mid-update. A finalizer holds each deletion, so the moment is certain.
 * 8. `fleet up` finishes them.
 * 9. A second Ctrl-C stops at once: with both CLIs held stopped (SIGSTOP), so that they cannot
 *    end by themselves, the fleet kills every process, releases the locks, and reports the
 *    operations left begun and not finished.
 * 10. `fleet refresh`, then `fleet up`, as the docs advise, finish those.
 * 11. A stack with no Pulumi.<stack>.yaml in the project directory runs nothing, and a stack
 *    file that lacks the passphrase's salt is read from a copy: the CLI writes neither.
 *
 * Each step builds on the one before. Everything lives under .cache/fleet-stage, and no process
 * is left running, whatever fails.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../tools/control-plane/processes";
import { KubeApi } from "../../tools/kube/api";
import type { ProbeResult } from "../../tools/kube/waitFor";
import { writeStackConfig } from "../../tools/local/fleetProject";
import { type FleetRun, runFleetCli, summaryOf } from "../../tools/local/fleetProcess";
import { type LocalFleet, localFleetLayout, startLocalFleet } from "../../tools/local/localFleet";
import { killNow, markedProcessesLeft, processesMarked } from "../../tools/local/markedProcesses";
import { REPO_ROOT } from "../../tools/repoRoot";
import { pulumiOk, type PulumiContext } from "../../tools/local/pulumi";
import { exportStackState, isPulumiProcess } from "../../tools/local/recovery";
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

/** Where a tenant's RoleBinding lives in stack `name`'s cluster; its first tenant's by default. */
const roleBindingPath = (name: (typeof names)[number], tenant = `tenant-${name}`): string =>
  `/apis/rbac.authorization.k8s.io/v1/namespaces/${tenant}/rolebindings/flux-reconciler-admin`;

const api = (name: (typeof names)[number]): KubeApi => new KubeApi(stack(name).cluster);

/** Gives stack `name` one tenant, called `tenant`, in place of the one it has. */
function renameTenant(name: (typeof names)[number], tenant: string): void {
  writeStackConfig(PROJECT_DIR, stack(name), {
    "k8s-flux:applications": [
      { name: tenant, repository: `git@github.com:acme/${tenant}-flux.git` },
    ],
  });
}

/** A finalizer of this suite's own: an object that has it stays until the suite takes it off. */
const HOLD = "k8s-flux.test/fleet-stage-hold";

async function setHold(name: (typeof names)[number], tenant: string, held: boolean) {
  const patched = await api(name).request(
    "PATCH",
    roleBindingPath(name, tenant),
    { metadata: { finalizers: held ? [HOLD] : null } },
    "application/merge-patch+json",
  );
  // Taking it off an object the update has since deleted is no error.
  if (!(patched.status === 200 || (!held && patched.status === 404))) {
    throw new Error(`holding ${tenant}'s RoleBinding: ${patched.status} ${patched.text}`);
  }
}

/** Whether the tenant's held RoleBinding has been asked to go (its deletion has begun). */
async function deletionBegun(name: (typeof names)[number], tenant: string): Promise<boolean> {
  const found = await api(name).get(roleBindingPath(name, tenant));
  const metadata = (found.body as { metadata?: { deletionTimestamp?: string } }).metadata;
  return found.status === 200 && metadata?.deletionTimestamp !== undefined;
}

/**
 * Polls `check` while the fleet (`pid`) runs, until it passes; false when the fleet ended first.
 * When `timeoutMs` passes first, it fails with `what` and what the check last saw, so a moment
 * that never comes is named rather than left to the step's timeout.
 */
async function whileRunningUntil(
  pid: number,
  what: string,
  timeoutMs: number,
  check: () => Promise<ProbeResult>,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await check();
    if (seen === true) return true;
    if (!isRunning(pid)) return false;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs / 1000} s; last seen: ${seen}`);
    }
    await sleep(100);
  }
}

/** How long the updates may take to reach the held deletions. */
const DELETIONS_REACHED_MS = 300_000;
/** How long a SIGSTOP may take to stop a CLI. */
const CLI_STOPPED_MS = 10_000;
/** How long the first Ctrl-C may take to reach the stopped CLIs. */
const FIRST_CTRL_C_PASSED_ON_MS = 20_000;

/** The stack's log holds the CLI's line for the held RoleBinding's deletion. */
const logShowsDeleting = (name: (typeof names)[number], tenant: string): boolean => {
  const log = join(LOG_DIR, `fleet-${name}.log`);
  return (
    existsSync(log) &&
    readFileSync(log, "utf8").includes(`RoleBinding app-${tenant}-workloads-admin deleting`)
  );
};

/** The pulumi CLIs of the running fleet (not its plugins, which are programs of their own). */
function runningClis(): number[] {
  return processesMarked(STAGE_MARK.name, STAGE_MARK.value).filter(isPulumiProcess);
}

/** pid's /proc status; undefined once it has ended (gone, or a zombie not yet reaped). */
function statusWhileAlive(pid: number): string | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return undefined;
    throw error;
  }
  return /^State:\s*Z/m.test(status) ? undefined : status;
}

/** Whether pid is stopped (a SIGSTOP has taken effect), or has ended. */
function stoppedOrGone(pid: number): boolean {
  const status = statusWhileAlive(pid);
  return status === undefined || /^State:\s*T/m.test(status);
}

/**
 * Whether a SIGINT waits to be delivered to pid (a stopped process keeps it pending), or pid has
 * ended, so that no signal can wait for it.
 */
function sigintPendingOrGone(pid: number): boolean {
  const status = statusWhileAlive(pid);
  if (status === undefined) return true;
  const pending = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? "0";
  return (BigInt(`0x${pending}`) & 2n) !== 0n;
}

/** Each CLI's state and pending signals, for a failure message. */
const cliStatuses = (clis: readonly number[]): string =>
  clis
    .map((cli) => {
      const status = statusWhileAlive(cli);
      if (status === undefined) return `pulumi ${cli}: ended`;
      const lines = status.split("\n").filter((line) => /^(State|SigPnd|ShdPnd):/.test(line));
      return `pulumi ${cli}: ${lines.map((line) => line.replace(/\s+/g, " ")).join(", ")}`;
    })
    .join("; ");

/** Whether both updates are deleting the held RoleBinding of their old tenant, or what each is at. */
async function bothDeleting(
  old: Record<"a" | "b", string>,
  alsoInLog: boolean,
): Promise<ProbeResult> {
  const seen = await Promise.all(
    (["a", "b"] as const).map(async (name) => ({
      name,
      begun: await deletionBegun(name, old[name]),
      logged: !alsoInLog || logShowsDeleting(name, old[name]),
    })),
  );
  return (
    seen.every((stack) => stack.begun && stack.logged) ||
    seen
      .map(
        (stack) =>
          `fleet-${stack.name}: deletion begun ${stack.begun}` +
          (alsoInLog ? `, log shows deleting ${stack.logged}` : ""),
      )
      .join("; ")
  );
}

const processesLeft = (): Promise<number[]> =>
  markedProcessesLeft(STAGE_MARK.name, STAGE_MARK.value);

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
  // Fails naming each control-plane process or port that is left.
  await fleet?.stop();
  expect(await processesLeft(), "fleet processes still running").toEqual([]);
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

      // A drift check's preview takes no lock: the fleet looks for one, and runs nothing.
      const drift = await runFleet(["drift", "--stacks", "fleet-a", "--json"]);
      expect(drift.code, drift.stderr).toBe(1);
      const [outcome] = summaryOf(drift).stacks;
      expect(outcome?.result).toBe("locked");
      expect(outcome?.firstError).toMatch(
        new RegExp(
          `^the stack is currently locked by 1 lock\\(s\\): pid ${process.pid} on ci-runner since `,
        ),
      );
      expect(outcome?.changes).toBeNull();
      const driftLog = readFileSync(join(LOG_DIR, "fleet-a.log"), "utf8");
      expect(driftLog).toContain("fleet: nothing was run");
      expect(driftLog).not.toContain("Previewing");
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

  it("7. Ctrl-C while two updates are deleting cancels both and names them left mid-update", async () => {
    for (const name of ["a", "b"] as const) {
      await setHold(name, `tenant-${name}`, true);
      renameTenant(name, `tenant-${name}2`);
    }
    try {
      const run = await runFleet(
        ["up", "--stacks", SELECTOR, "--concurrency", "2", "--json"],
        async (pid) => {
          // Both updates have created the new tenant and are deleting the old one.
          const held = await whileRunningUntil(
            pid,
            "both updates deleting the old tenant",
            DELETIONS_REACHED_MS,
            () => bothDeleting({ a: "tenant-a", b: "tenant-b" }, false),
          );
          if (held) process.kill(pid, "SIGINT");
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
      expect(summary.stacks.map((outcome) => outcome.pendingOperations)).toEqual([0, 0, 0]);
      // Each CLI got Ctrl-C once, and cancelled as in a terminal.
      for (const name of ["fleet-a", "fleet-b"]) {
        const log = readFileSync(join(LOG_DIR, `${name}.log`), "utf8");
        expect(log.match(/\^C received; cancelling/g), name).toHaveLength(1);
      }
      expect([...locksOf("fleet-a"), ...locksOf("fleet-b"), ...locksOf("fleet-c")]).toEqual([]);
      expect(await processesLeft()).toEqual([]);
      // Half done: the new tenant is there, and the old one's namespace is still there.
      for (const name of ["a", "b"] as const) {
        expect((await api(name).get(roleBindingPath(name, `tenant-${name}2`))).status).toBe(200);
        expect((await api(name).get(`/api/v1/namespaces/tenant-${name}`)).status).toBe(200);
      }
    } finally {
      for (const name of ["a", "b"] as const) await setHold(name, `tenant-${name}`, false);
    }
  });

  it("8. fleet up finishes the updates left mid-update", async () => {
    const run = await runFleet(["up", "--stacks", SELECTOR, "--json"]);
    const summary = summaryOf(run);
    expect(run.code, run.stderr).toBe(0);
    expect(resultsOf(summary)).toEqual({
      "fleet-a": "succeeded",
      "fleet-b": "succeeded",
      "fleet-c": "succeeded",
    });
    const { "fleet-a": a, "fleet-b": b, "fleet-c": c } = byStack(summary);
    expect(a?.changes?.delete).toBeGreaterThan(0);
    expect(b?.changes?.delete).toBeGreaterThan(0);
    expect(c?.changes).toMatchObject({ create: 0, update: 0, delete: 0, replace: 0 });
    for (const name of ["a", "b"] as const) {
      expect((await api(name).get(`/api/v1/namespaces/tenant-${name}`)).status).toBe(404);
      expect((await api(name).get(roleBindingPath(name, `tenant-${name}2`))).status).toBe(200);
    }
  });

  it("9. a second Ctrl-C stops at once, releases the locks and reports what was left begun", async () => {
    for (const name of ["a", "b"] as const) {
      await setHold(name, `tenant-${name}2`, true);
      renameTenant(name, `tenant-${name}`);
    }
    try {
      const run = await runFleet(
        ["up", "--stacks", SELECTOR, "--concurrency", "2", "--json"],
        async (pid) => {
          const deleting = await whileRunningUntil(
            pid,
            "both updates deleting the old tenant, as their logs show",
            DELETIONS_REACHED_MS,
            () => bothDeleting({ a: "tenant-a2", b: "tenant-b2" }, true),
          );
          if (!deleting) return;
          // Stopped, a CLI cannot act on the first Ctrl-C, so the second one finds it running.
          const clis = runningClis();
          expect(clis).toHaveLength(2);
          for (const cli of clis) process.kill(cli, "SIGSTOP");
          // A SIGSTOP takes effect only when the CLI next handles signals. A SIGINT pending by
          // then is taken first (the kernel takes the lower number first), and the CLI would
          // stop with the first Ctrl-C already acted on.
          const clisStopped = () => Promise.resolve(clis.every(stoppedOrGone) || cliStatuses(clis));
          if (!(await whileRunningUntil(pid, "the CLIs stopped", CLI_STOPPED_MS, clisStopped))) {
            return;
          }
          process.kill(pid, "SIGINT");
          // The fleet passes the first Ctrl-C on, and each stopped CLI keeps it pending. Fails,
          // with each CLI's state, if it does not arrive: the second Ctrl-C would then not be
          // the one this step claims.
          const firstPending = () =>
            Promise.resolve(clis.every(sigintPendingOrGone) || cliStatuses(clis));
          const passedOn = await whileRunningUntil(
            pid,
            "the first Ctrl-C pending in each stopped CLI",
            FIRST_CTRL_C_PASSED_ON_MS,
            firstPending,
          );
          if (passedOn) process.kill(pid, "SIGINT");
        },
      );
      expect(run.stderr).toContain("fleet: stopping now: killing every process this run started");
      const summary = summaryOf(run);
      expect(run.code, run.stderr).toBe(130);
      expect(resultsOf(summary)).toEqual({
        "fleet-a": "cancelled",
        "fleet-b": "cancelled",
        "fleet-c": "not-started",
      });
      expect(summary.stacks.map((outcome) => outcome.leftMidUpdate)).toEqual([true, true, false]);
      // The deletion under way when the CLI was killed is recorded as begun and not finished.
      for (const name of ["fleet-a", "fleet-b"]) {
        const pending = (await exportStackState(pulumiContext, name)).pendingOperations;
        expect(
          pending.map((operation) => operation.type),
          name,
        ).toContain("deleting");
        expect(byStack(summary)[name]?.pendingOperations, name).toBe(pending.length);
      }
      expect([...locksOf("fleet-a"), ...locksOf("fleet-b"), ...locksOf("fleet-c")]).toEqual([]);
      expect(processesMarked(STAGE_MARK.name, STAGE_MARK.value)).toEqual([]);
    } finally {
      // Whatever failed, no CLI stays stopped.
      for (const cli of runningClis()) process.kill(cli, "SIGCONT");
      for (const name of ["a", "b"] as const) await setHold(name, `tenant-${name}2`, false);
    }
  });

  it("10. fleet refresh, then fleet up, finish what the forced stop left", async () => {
    const refresh = await runFleet(["refresh", "--stacks", "fleet-a,fleet-b", "--json"]);
    expect(refresh.code, refresh.stderr).toBe(0);
    const up = await runFleet(["up", "--stacks", SELECTOR, "--json"]);
    expect(up.code, up.stderr).toBe(0);
    expect(resultsOf(summaryOf(up))).toEqual({
      "fleet-a": "succeeded",
      "fleet-b": "succeeded",
      "fleet-c": "succeeded",
    });
    for (const name of ["a", "b"] as const) {
      expect((await exportStackState(pulumiContext, `fleet-${name}`)).pendingOperations).toEqual(
        [],
      );
      expect((await api(name).get(`/api/v1/namespaces/tenant-${name}2`)).status).toBe(404);
      expect((await api(name).get(roleBindingPath(name))).status).toBe(200);
    }
  });

  it("11. a stack with no stack file runs nothing, and the CLI writes no stack file", async () => {
    const stackFile = join(PROJECT_DIR, `Pulumi.${BYSTANDER}.yaml`);
    const logFile = join(LOG_DIR, `${BYSTANDER}.log`);
    // `pulumi stack init` wrote it, with the passphrase's salt.
    const asInitialized = readFileSync(stackFile, "utf8");
    expect(asInitialized).toMatch(/^encryptionsalt: /m);
    rmSync(stackFile);
    const projectFiles = readdirSync(PROJECT_DIR).sort();
    try {
      const missing = await runFleet(["preview", "--stacks", BYSTANDER, "--json"]);
      expect(missing.code, missing.stderr).toBe(1);
      const noStackFile = `no stack file Pulumi.${BYSTANDER}.yaml in ${PROJECT_DIR}; nothing was run`;
      expect(summaryOf(missing).stacks).toMatchObject([
        { stack: BYSTANDER, result: "invalid-config", changes: null, firstError: noStackFile },
      ]);
      expect(missing.stderr).toContain(`fleet: ${BYSTANDER}: no stack file; preview not run`);
      expect(readFileSync(logFile, "utf8")).not.toContain("Previewing");

      // Without a salt, the CLI makes one and saves it in the stack file it reads: its copy.
      const withoutSalt = "config:\n  k8s-flux:clusterName: bystander\n";
      writeFileSync(stackFile, withoutSalt);
      const unsalted = await runFleet(["preview", "--stacks", BYSTANDER, "--json"]);
      expect(unsalted.code, unsalted.stderr).toBe(1);
      const [outcome] = summaryOf(unsalted).stacks;
      expect(outcome?.result).toBe("invalid-config");
      // The program's word on a stack file with little in it.
      expect(outcome?.configProblems).toContain(
        "  - k8s-flux:systemFlux: is required; expected an object with at least a repository",
      );
      expect(readFileSync(stackFile, "utf8")).toBe(withoutSalt);
      expect(readFileSync(logFile, "utf8")).toContain(
        `fleet: the pulumi CLI added to its copy of ${stackFile} what that file lacks`,
      );
      rmSync(stackFile);
      expect(readdirSync(PROJECT_DIR).sort()).toEqual(projectFiles);
    } finally {
      writeFileSync(stackFile, asInitialized);
    }
  });
});
