/**
 * The local environment as a person uses it (docs/development/local.md): `up:local`, a sealed
 * secret, `local:push` of a good directory and of a refused one, `local:status --json`, and
 * `down:local`, each run through its npm script's entry point. It lives in
 * K8S_FLUX_LOCAL_DIR=.cache/local-environment-spec, with a git server of its own, so a developer's
 * running up:local is never touched; the directory and that git server are removed at the end.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runningControlPlane } from "../../tools/control-plane/controlPlane";
import { runCommand, type CommandResult } from "../../tools/gitops/command";
import { gitServerLayout } from "../../tools/gitops/gitServer/layout";
import { readServerState } from "../../tools/gitops/gitServer/state";
import { stillListening } from "../../tools/gitops/listeners";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout } from "../../tools/gitops/local/layout";
import type { LocalStatus } from "../../tools/gitops/local/statusReport";
import { runningSupervisor } from "../../tools/gitops/local/supervisorControl";
import { syncRefs } from "../../tools/gitops/local/syncRefs";
import { readWorkloadsFile } from "../../tools/gitops/local/workloadsFile";
import { isSameProcess, startTimeOf, stopProcessTree } from "../../tools/gitops/processes";
import { readRunnerState } from "../../tools/gitops/runner/runnerState";
import { waitFor, within } from "../../tools/kube/waitFor";
import { REPO_ROOT } from "../../tools/repoRoot";
import { FIXTURE_REPOSITORIES } from "./fixtureRepositories";
import { undocumentedDifferences } from "./statusFieldsDocs";

const DIR = join(REPO_ROOT, ".cache", "local-environment-spec");
const env = { ...process.env, [LOCAL_DIR_VARIABLE]: DIR };
const TENANT = "sample-local";
/** The folder sample-local's sync applies (Pulumi.local.yaml). */
const FOLDER = "local-app";
const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
/** How Flux names a commit of the branch main. */
const revisionOf = (sha: string): string => `main@sha1:${sha}`;

const tail = (result: CommandResult): string =>
  `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-20).join("\n");

async function succeeds(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const result = await runCommand(command, args, { cwd: REPO_ROOT, env, timeoutMs });
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${tail(result)}`);
  return result.stdout;
}

/** `npm run --silent <script> -- <args>`, as the docs write it. */
const npmRun = (script: string, args: string[] = [], timeoutMs?: number): Promise<string> =>
  succeeds(
    "npm",
    ["run", "--silent", script, ...(args.length > 0 ? ["--", ...args] : [])],
    timeoutMs,
  );

const status = async (): Promise<LocalStatus> =>
  JSON.parse(await npmRun("local:status", ["--json"])) as LocalStatus;

/** Every process and port the environment's files record, with each pid's start time. */
interface Recorded {
  processes: Map<number, number>;
  ports: Set<number>;
}
const recorded: Recorded = { processes: new Map(), ports: new Set() };

function recordRunning(): void {
  const layout = localEnvironmentLayout(env);
  const note = (pid: number, startTime = startTimeOf(pid)): void => {
    if (startTime !== undefined) recorded.processes.set(pid, startTime);
  };
  const cluster = runningControlPlane(layout.cluster);
  for (const process of cluster?.processes ?? []) note(process.pid);
  for (const port of Object.values(cluster?.ports ?? {})) recorded.ports.add(port);
  const git = readServerState(gitServerLayout(layout.gitServer));
  if (git?.sshd) note(git.sshd.pid, git.sshd.startTime);
  if (git) recorded.ports.add(git.port);
  const supervisor = runningSupervisor(layout);
  if (supervisor) note(supervisor.pid, supervisor.startTime);
  for (const process of Object.values(readRunnerState(layout.runner))) {
    note(process.pid, process.startTime);
  }
  for (const workload of readWorkloadsFile(layout.workloads)?.workloads ?? []) {
    for (const port of Object.values(workload.ports ?? {})) recorded.ports.add(port);
  }
}

/** A new directory holding `local-app/` with the fixture files given, by path under fixtures. */
function contentWith(files: readonly string[]): string {
  const content = mkdtempSync(join(DIR, "content-"));
  mkdirSync(join(content, FOLDER));
  for (const file of files) {
    cpSync(join(FIXTURE_REPOSITORIES, file), join(content, FOLDER, file.split("/").pop() ?? file));
  }
  return content;
}

/** Pushes as the docs show and returns stdout, which must be the commit's SHA alone. */
async function push(content: string): Promise<string> {
  const stdout = await npmRun("local:push", [TENANT, content]);
  expect(stdout).toMatch(/^[0-9a-f]{40}\n$/);
  return stdout.trim();
}

/** local:status until `done` holds for the tenant's Kustomization, or the deadline. */
async function statusWhen(
  done: (status: LocalStatus) => true | string,
  ms = 90_000,
): Promise<LocalStatus> {
  let last: LocalStatus | undefined;
  await waitFor(
    async () => {
      last = await status();
      return done(last);
    },
    { deadline: within(ms), intervalMs: 500 },
  );
  return last as LocalStatus;
}

/**
 * Each test's budget, above the sum of its own waits: two commands of up to 60 s each (seal or
 * status, then push), then statusWhen's 90 s plus one last status of up to 60 s; 270 s in all.
 * The GitOps config's 120 s would end a slow run as a bare timeout, not with the wait's message.
 */
const TEST_BUDGET_MS = 300_000;

const tenantSync = (current: LocalStatus) => {
  const { sync } = syncRefs(TENANT);
  return current.flux.find(
    (object) =>
      object.kind === sync.kind && object.namespace === sync.namespace && object.name === sync.name,
  );
};

beforeAll(async () => {
  // A run killed before its teardown left this; its processes are stopped by their records.
  if (existsSync(DIR)) await npmRun("down:local");
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  rmSync(localEnvironmentLayout(env).gitServer, { recursive: true, force: true });
  try {
    await succeeds(TSX, ["tools/gitops/local/up.ts"], 280_000);
  } finally {
    recordRunning();
  }
}, 300_000);

afterAll(async () => {
  recordRunning();
  const down = await runCommand("npm", ["run", "--silent", "down:local"], {
    cwd: REPO_ROOT,
    env,
    timeoutMs: 120_000,
  });
  const alive = [...recorded.processes].filter(([pid, startTime]) => isSameProcess(pid, startTime));
  // Whatever the checks below say, nothing is left running.
  for (const [pid] of alive) await stopProcessTree(pid);
  const listening = stillListening(recorded.ports);
  if (alive.length === 0 && listening.length === 0) {
    rmSync(localEnvironmentLayout(env).gitServer, { recursive: true, force: true });
    rmSync(DIR, { recursive: true, force: true });
  }
  expect(down.code, tail(down)).toBe(0);
  expect(recorded.processes.size, "processes recorded while it ran").toBeGreaterThan(5);
  expect(alive.map(([pid]) => pid)).toEqual([]);
  expect(listening).toEqual([]);
}, 180_000);

describe("the local environment", { timeout: TEST_BUDGET_MS }, () => {
  it("applies a pushed directory at the commit local:push printed, and opens its SealedSecret", async () => {
    const content = contentWith([
      "storefront/first/deploy/deployment.yaml",
      "storefront/first/deploy/settings.yaml",
    ]);
    const pulumiEnv = localEnvironmentLayout(env).pulumiEnv;
    const sealed = await succeeds("sh", [
      "-c",
      '. "$1" && exec npm run --silent seal -- --stack local --name cache --namespace sample-local --from-literal password=c4che',
      "sh",
      pulumiEnv,
    ]);
    writeFileSync(join(content, FOLDER, "cache.sealed.yaml"), sealed);
    const sha = await push(content);

    const applied = await statusWhen((current) => {
      const sync = tenantSync(current);
      const secret = current.sealedSecrets.find(
        (entry) => entry.namespace === TENANT && entry.name === "cache",
      );
      if (sync?.ready !== "True" || sync.lastAppliedRevision !== revisionOf(sha)) {
        return `Kustomization: ${JSON.stringify(sync ?? null)}`;
      }
      return (secret?.synced === "True" && secret.secret === "owned") || JSON.stringify(secret);
    });
    expect(applied.repositories.find((repository) => repository.target === TENANT)?.head).toBe(sha);
    for (const list of [applied.flux, applied.sealedSecrets, applied.processes]) {
      expect(list.length).toBeGreaterThan(0);
    }
    expect(undocumentedDifferences(applied)).toEqual([]);
  });

  it("refuses a ClusterRoleBinding and says so in the Kustomization's message", async () => {
    const before = tenantSync(await status())?.lastAppliedRevision;
    const sha = await push(
      contentWith(["mallory/attempts/cluster-admin-binding/deploy/cluster-admin.yaml"]),
    );
    const refused = await statusWhen((current) => {
      const sync = tenantSync(current);
      return (
        (sync?.ready === "False" && sync.lastAttemptedRevision === revisionOf(sha)) ||
        `Kustomization: ${JSON.stringify(sync ?? null)}`
      );
    });
    const sync = tenantSync(refused);
    expect(sync?.message).toMatch(/ClusterRoleBinding\/mallory-cluster-admin/);
    expect(sync?.message).toMatch(/forbidden/i);
    expect(sync?.message).toMatch(/system:serviceaccount:sample-local-flux:flux-reconciler/);
    expect(sync?.lastAppliedRevision).toBe(before);
  });
});
