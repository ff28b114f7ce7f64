/**
 * The GitOps stage's environment, shared by its steps: the git server and its repositories, the
 * control plane, the process runner (the pre-installed Flux Operator, source- and
 * kustomize-controller, the sealed-secrets controller), the hostile tenant's web server and the
 * local stack's project copy. It also holds what the steps wait on (Flux objects' status), how
 * they push and run pulumi, what a failure prints, and the teardown that leaves nothing running.
 */
import { tmpdir } from "node:os";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  SEALED_SECRETS_CONTROLLER,
  SEALED_SECRETS_NAMESPACE,
} from "../../components/sealedSecrets/manifests";
import { startControlPlane, type ControlPlane } from "../../tools/control-plane/controlPlane";
import { isRunning } from "../../tools/control-plane/processes";
import { runCommandOk } from "../../tools/gitops/command";
import {
  fluxObjectStatus,
  listFluxObjects,
  type FluxObjectRef,
  type FluxObjectStatus,
} from "../../tools/gitops/flux/objects";
import { requestReconcile } from "../../tools/gitops/flux/reconcile";
import { fluxOperatorModuleDir, OPERATOR_NAME } from "../../tools/gitops/fluxOperator/runConfig";
import { preinstallFluxOperator } from "../../tools/gitops/fluxOperator/preinstalled";
import { startGitServer, type GitServer } from "../../tools/gitops/gitServer/server";
import { stillListening } from "../../tools/gitops/listeners";
import { gitOpsStackSettings, localStackSyncs } from "../../tools/gitops/local/stackSettings";
import { syncRefs } from "../../tools/gitops/local/syncRefs";
import { localWorkloads } from "../../tools/gitops/runner/localWorkloads";
import { waitForWorkloadReady } from "../../tools/gitops/runner/readiness";
import { ProcessRunner, type WorkloadReport } from "../../tools/gitops/runner/runner";
import { KubeApi } from "../../tools/kube/api";
import type { Manifest } from "../../tools/kube/manifest";
import { waitFor, within } from "../../tools/kube/waitFor";
import { LOCAL_STACK, prepareProjectCopy } from "../../tools/local/project";
import { REPO_ROOT } from "../../tools/repoRoot";
import { type PulumiContext, type PulumiResult, pulumiOk } from "../../tools/local/pulumi";
import { stopLocalRun } from "../../tools/local/teardown";
import { fileBackendUrl, pulumiEnvironment } from "../../tools/pulumi/environment";
import { startAttackerServer, type AttackerServer } from "./attackerServer";
import { FIXTURE_REPOSITORIES, repositoryContent } from "./fixtureRepositories";
import { newKeyPair } from "./gitClient";

const WORK = join(REPO_ROOT, ".cache", "gitops-stage");
const GIT_SERVER_DIR_PREFIX = "k8s-flux-gitops-stage-git-server-";
export const DIRS = {
  cluster: join(WORK, "cluster"),
  // sshd runs the forced command as the git account, which must reach this directory; a clone
  // may sit under a directory only its owner can enter, so it lives in the system's temp dir.
  gitServer: join(tmpdir(), `${GIT_SERVER_DIR_PREFIX}${process.pid}`),
  runner: join(WORK, "runner"),
  scratch: join(WORK, "scratch"),
  attacker: join(WORK, "attacker"),
};
const STACK = ["--stack", LOCAL_STACK];
const context: PulumiContext = { cwd: join(WORK, "project"), backendDir: join(WORK, "state") };

export interface Tenant {
  readonly name: string;
  readonly repository: string;
  readonly path: string;
}
export const SYSTEM = { repository: "acme/platform", path: "clusters/stage" };
export const GOOD: Tenant = { name: "storefront", repository: "acme/storefront", path: "deploy" };
export const HOSTILE: Tenant = { name: "mallory", repository: "acme/mallory", path: "deploy" };
export const TENANTS = [GOOD, HOSTILE];

export const tenantNamespaces = (tenant: Tenant): string[] => [tenant.name, `${tenant.name}-flux`];
export const SYSTEM_SOURCE = syncRefs("system").source;
export const SYSTEM_SYNC = syncRefs("system").sync;
export const sourceOf = (tenant: Tenant): FluxObjectRef => syncRefs(tenant.name).source;
export const syncOf = (tenant: Tenant): FluxObjectRef => syncRefs(tenant.name).sync;

/**
 * Whether a Flux revision is this commit: `main@sha1:<sha>` for a branch, and for the system sync,
 * whose FluxInstance names the full ref, `refs/heads/main@sha1:<sha>`.
 */
export const isCommit = (revision: string | null, sha: string): boolean =>
  sha !== "" && revision?.endsWith(`@sha1:${sha}`) === true;

export const refKey = (ref: { kind: string; namespace: string; name: string }): string =>
  `${ref.kind} ${ref.namespace}/${ref.name}`;

export const readyAt = (sha: string) => (current: FluxObjectStatus) =>
  current.ready === "True" && isCommit(current.lastAppliedRevision, sha);

/**
 * Done with this commit: refused (Ready False, having attempted it) or applied (Ready True at it).
 * Ready alone is not enough: it still reads True from the last commit while the new one is tried.
 */
export const settledAt = (sha: string) => (current: FluxObjectStatus) =>
  isCommit(current.lastAttemptedRevision, sha) &&
  (current.ready === "False" || readyAt(sha)(current));

/**
 * What the well-behaved tenant's and the system repository's commits are laid from once they
 * hold SealedSecrets: every later commit to them keeps these layers.
 */
export const WITH_SEALED_SECRETS = {
  tenant: ["storefront/second", "sealed/storefront"],
  system: ["platform", "sealed/platform"],
} as const;

/** The sealed-secrets controller's Deployment, which the runner runs. */
export const SEALED_SECRETS = {
  namespace: SEALED_SECRETS_NAMESPACE,
  name: SEALED_SECRETS_CONTROLLER,
} as const;

function tail(path: string, lines = 25): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}

/** The stage's processes and what they serve; one per stage file. */
export class StageEnvironment {
  private gitServer: GitServer | undefined;
  private cluster: ControlPlane | undefined;
  /** Every control plane the stage started, the one the disaster replaced included. */
  private readonly clusters: ControlPlane[] = [];
  private runner: ProcessRunner | undefined;
  private attacker: AttackerServer | undefined;
  /**
   * Every process and port the stage started besides its control planes (which record their own),
   * so that teardown can check none is left.
   */
  private readonly startedPids = new Set<number>();
  private readonly usedPorts = new Set<number>();
  private readonly runnerEvents: string[] = [];
  /** Each repository's head, as pushed. */
  readonly heads = new Map<string, string>();
  /** Values for the fixtures' placeholders. */
  readonly fixtureValues: Record<string, string> = {};
  /** Flux objects seen Ready at any poll: a refused one must never be among them. */
  readonly seenReady = new Set<string>();

  get server(): GitServer {
    if (!this.gitServer) throw new Error("no git server runs");
    return this.gitServer;
  }

  get attackerServer(): AttackerServer {
    if (!this.attacker) throw new Error("the hostile tenant's web server does not run");
    return this.attacker;
  }

  admin(): KubeApi {
    if (!this.cluster) throw new Error("no control plane runs");
    return new KubeApi(this.cluster);
  }

  /**
   * Starts the git server with the three repositories at their first commits, the hostile
   * tenant's own key and web server, and an empty control plane; prepares the stack.
   */
  async setUp(): Promise<void> {
    rmSync(WORK, { recursive: true, force: true });
    rmSync(DIRS.gitServer, { recursive: true, force: true });
    removeStaleGitServerDirs();
    for (const dir of Object.values(DIRS)) mkdirSync(dir, { recursive: true });
    chmodSync(DIRS.gitServer, 0o755);

    const server = await startGitServer({ stateDir: DIRS.gitServer });
    this.gitServer = server;
    this.startedPids.add(server.pid);
    this.usedPorts.add(server.port);
    for (const repository of [SYSTEM.repository, ...TENANTS.map((tenant) => tenant.repository)]) {
      await server.createRepository(repository);
    }

    // The hostile tenant's own second deploy key, which it adds to its repository itself (a
    // repository admin may), and its web server with the remote bases it will try.
    const ownKey = await newKeyPair(DIRS.scratch, "mallory-own");
    server.authorize(ownKey.publicKey, HOSTILE.repository);
    await createAttackerRepository();
    this.attacker = await startAttackerServer({
      gitRoot: join(DIRS.attacker, "git"),
      filesDir: join(FIXTURE_REPOSITORIES, "attacker", "files"),
    });
    this.usedPorts.add(Number(new URL(this.attacker.url).port));
    Object.assign(this.fixtureValues, {
      TENANT_REPOSITORY_URL: server.sshUrl(HOSTILE.repository),
      TENANT_IDENTITY_BASE64: Buffer.from(readFileSync(ownKey.privateKeyPath)).toString("base64"),
      KNOWN_HOSTS_BASE64: Buffer.from(`${server.knownHostsLine}\n`).toString("base64"),
      ATTACKER_URL: this.attacker.url,
    });

    await this.push(SYSTEM.repository, ["platform"]);
    await this.push(GOOD.repository, ["storefront/first"]);
    await this.push(HOSTILE.repository, ["mallory/base"]);

    await this.startCluster();
    const local = localStackSyncs();
    prepareProjectCopy(
      context.cwd,
      this.cluster?.kubeconfigPath ?? "",
      gitOpsStackSettings(server, {
        systemFlux: { ...local.systemFlux, ...SYSTEM },
        applications: TENANTS.map((tenant) => ({ ...tenant })),
      }),
    );
    await this.pulumi(["stack", "init"]);
  }

  /** Records what the runner runs now: its workloads' processes and their ports. */
  recordRunning(): void {
    for (const report of this.runner?.report() ?? []) {
      if (report.pid !== undefined) this.startedPids.add(report.pid);
      for (const port of Object.values(report.ports ?? {})) this.usedPorts.add(port);
    }
  }

  async startCluster(): Promise<void> {
    this.cluster = await startControlPlane({ dir: DIRS.cluster });
    this.clusters.push(this.cluster);
  }

  /**
   * The pre-installed operator's objects, then the runner with every workload the stage runs;
   * resolves once the operator is ready. The controllers start when their Deployments appear.
   */
  async startRunner(): Promise<void> {
    if (!this.cluster) throw new Error("no control plane runs");
    const moduleDir = await fluxOperatorModuleDir();
    await preinstallFluxOperator(this.admin(), moduleDir);
    this.runner = await ProcessRunner.start({
      kubeconfigPath: this.cluster.kubeconfigPath,
      stateDir: DIRS.runner,
      workloads: localWorkloads({ operatorModuleDir: moduleDir, sealedSecrets: SEALED_SECRETS }),
      intervalMs: 1_000,
      onEvent: (line) => this.runnerEvents.push(`${new Date().toISOString()} ${line}`),
    });
    this.recordRunning();
    await waitForWorkloadReady("the Flux Operator", () => this.workload(OPERATOR_NAME));
    this.recordRunning();
  }

  /** The disaster: the runner and the control plane go, and an empty control plane starts. */
  async replaceControlPlane(): Promise<void> {
    this.recordRunning();
    await this.runner?.stop();
    this.runner = undefined;
    await this.cluster?.stop();
    await this.startCluster();
  }

  /**
   * One pass of the runner over the Deployments, after any pass under way: once it resolves, the
   * runner has acted on every change made before the call (a changed pod template restarts).
   */
  async runnerPass(): Promise<void> {
    await this.runner?.sync();
    this.recordRunning();
  }

  /** The runner's report of a Deployment it runs, by name. */
  workload(name: string): WorkloadReport | undefined {
    return this.runner?.report().find((report) => report.name === name);
  }

  /** Resolves once the workload runs and answers its readiness probe. */
  async workloadReady(name: string, timeoutMs?: number): Promise<WorkloadReport> {
    const report = await waitForWorkloadReady(name, () => this.workload(name), timeoutMs);
    this.recordRunning();
    return report;
  }

  /** The runner's events since `from` (an index into them), e.g. restarts. */
  eventsSince(from: number): string[] {
    return this.runnerEvents.slice(from);
  }

  get eventCount(): number {
    return this.runnerEvents.length;
  }

  /** A workload's log file, kept across restarts (and across the disaster's new runner). */
  logPath(namespace: string, name: string): string {
    return join(DIRS.runner, "logs", `${namespace}.${name}.log`);
  }

  /** Where a log ends now, to read only what comes after with `logSince`. */
  logOffset(namespace: string, name: string): number {
    try {
      return statSync(this.logPath(namespace, name)).size;
    } catch {
      return 0;
    }
  }

  logSince(namespace: string, name: string, offset: number): string {
    try {
      return readFileSync(this.logPath(namespace, name)).subarray(offset).toString("utf8");
    } catch {
      return "";
    }
  }

  /** A pulumi command on the stage's stack, in its project copy and file backend. */
  pulumi(args: readonly string[], extraEnv?: Record<string, string>): Promise<PulumiResult> {
    return pulumiOk([...args, ...STACK], { ...context, ...(extraEnv ? { extraEnv } : {}) });
  }

  /** The stack's outputs, as `pulumi stack output --json` prints them (secrets withheld). */
  async stackOutputs(): Promise<Record<string, unknown>> {
    const result = await this.pulumi(["stack", "output", "--json"]);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  /**
   * The environment in which a person's command reaches the stage's stack from the repository:
   * our pulumi CLI on PATH and the stage's backend in PULUMI_BACKEND_URL.
   */
  stackEnvironment(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...pulumiEnvironment(),
      PULUMI_BACKEND_URL: fileBackendUrl(context.backendDir),
    };
  }

  get stackName(): string {
    return LOCAL_STACK;
  }

  async status(ref: FluxObjectRef): Promise<FluxObjectStatus | undefined> {
    const found = await fluxObjectStatus(this.admin(), ref);
    if (found?.ready === "True") this.seenReady.add(refKey(ref));
    return found;
  }

  /** Polls the object until `done` says so; fails with the object's last status. */
  async waitForStatus(
    ref: FluxObjectRef,
    what: string,
    done: (current: FluxObjectStatus) => boolean,
    timeoutMs = 90_000,
  ): Promise<FluxObjectStatus> {
    let last: FluxObjectStatus | undefined;
    await waitFor(
      async () => {
        this.recordRunning();
        last = await this.status(ref);
        return (
          (last !== undefined && done(last)) ||
          `${refKey(ref)} ${what}; now ${JSON.stringify(last ?? "absent")}`
        );
      },
      { deadline: within(timeoutMs), intervalMs: 500 },
    );
    return last as FluxObjectStatus;
  }

  /**
   * The sync's status once it has tried this commit: the source has fetched it, and a reconcile
   * of the Kustomization asked for after that has finished (its lastHandledReconcileAt), so the
   * status read is that reconcile's own.
   */
  async reconciledAt(
    source: FluxObjectRef,
    sync: FluxObjectRef,
    sha: string,
  ): Promise<FluxObjectStatus> {
    await this.waitForStatus(source, "fetched the commit", (current) =>
      isCommit(current.artifactRevision, sha),
    );
    const requestedAt = await requestReconcile(this.admin(), sync);
    return this.waitForStatus(
      sync,
      "reconciled the commit since asked",
      (current) => current.lastHandledReconcileAt === requestedAt && settledAt(sha)(current),
    );
  }

  /** Pushes the layered fixture content as the repository's new head and asks Flux to fetch it. */
  async push(
    repository: string,
    layers: readonly string[],
    source?: FluxObjectRef,
  ): Promise<string> {
    const content = repositoryContent(DIRS.scratch, layers, this.fixtureValues);
    const sha = await this.server.push(repository, content, {
      message: `stage: ${layers.at(-1)}`,
    });
    this.heads.set(repository, sha);
    if (source) await requestReconcile(this.admin(), source);
    return sha;
  }

  /** The three syncs at their heads: what "the cluster is back" means. */
  async waitForAllSyncs(timeoutMs: number): Promise<void> {
    await this.waitForStatus(
      SYSTEM_SYNC,
      "Ready at the system head",
      readyAt(this.heads.get(SYSTEM.repository) ?? ""),
      timeoutMs,
    );
    for (const tenant of TENANTS) {
      await this.waitForStatus(
        syncOf(tenant),
        "settled at its head",
        settledAt(this.heads.get(tenant.repository) ?? ""),
        timeoutMs,
      );
    }
  }

  async exists(manifest: Manifest, namespace = manifest.metadata.namespace): Promise<boolean> {
    const { apiVersion, kind, metadata } = manifest;
    const path = await this.admin().path(apiVersion, kind, namespace, metadata.name);
    return (await this.admin().get(path)).status === 200;
  }

  /** The namespaces of a Kustomization's inventory ("" for a cluster-scoped object). */
  async inventoryNamespaces(ref: FluxObjectRef): Promise<string[]> {
    const response = await this.admin().get(
      `/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/${ref.namespace}/kustomizations/${ref.name}`,
    );
    const entries =
      (response.body as { status?: { inventory?: { entries?: { id: string }[] } } }).status
        ?.inventory?.entries ?? [];
    return entries.map((entry) => entry.id.split("_")[0] ?? "");
  }

  /** What a failure prints: each controller's log, the git server's, the runner's events, Flux. */
  async printDiagnostics(): Promise<void> {
    const sections: string[] = [];
    // Every workload's log, also those of a runner stopped by the disaster step.
    const logDir = join(DIRS.runner, "logs");
    let logs: string[] = [];
    try {
      logs = readdirSync(logDir);
    } catch {
      // No runner has started yet.
    }
    for (const file of logs) {
      const path = join(logDir, file);
      const report = this.runner?.report().find((candidate) => candidate.logPath === path);
      const state = report ? ` (${report.state}: ${report.reason})` : "";
      sections.push(`--- ${file}${state} ---\n${tail(path)}`);
    }
    if (this.gitServer) {
      sections.push(`--- git server (sshd) ---\n${tail(this.gitServer.logPath, 15)}`);
    }
    sections.push(`--- runner events ---\n${this.runnerEvents.slice(-20).join("\n")}`);
    if (this.cluster) {
      try {
        const objects = await listFluxObjects(this.admin());
        sections.push(
          `--- Flux objects ---\n${objects
            .map(
              (object) =>
                `${object.kind} ${object.namespace}/${object.name} Ready=${object.ready} ${object.reason ?? ""}: ${object.message ?? ""} (attempted ${object.lastAttemptedRevision ?? "-"}, applied ${object.lastAppliedRevision ?? object.artifactRevision ?? "-"})`,
            )
            .join("\n")}`,
        );
        sections.push(`--- SealedSecrets ---\n${await this.sealedSecretsSummary()}`);
      } catch (error) {
        sections.push(`--- Flux objects: ${(error as Error).message} ---`);
      }
    }
    console.error(sections.join("\n"));
  }

  private async sealedSecretsSummary(): Promise<string> {
    const response = await this.admin().get("/apis/bitnami.com/v1alpha1/sealedsecrets");
    if (response.status !== 200) return `(not listed: ${response.status})`;
    const items = (
      response.body as {
        items: {
          metadata: { namespace: string; name: string };
          status?: { conditions?: { type: string; status: string; message?: string }[] };
        }[];
      }
    ).items;
    return items
      .map((item) => {
        const synced = item.status?.conditions?.find((condition) => condition.type === "Synced");
        return `${item.metadata.namespace}/${item.metadata.name} Synced=${synced?.status ?? "-"} ${synced?.message ?? ""}`;
      })
      .join("\n");
  }

  /**
   * Stops the runner (and with it the operator and controllers), any pulumi, the control plane
   * and the servers, then checks that no process the stage started still runs and none of its
   * ports is listened on.
   */
  async tearDown(): Promise<{
    problems: string[];
    pulumiLeft: number[];
    running: number[];
    listening: number[];
  }> {
    const problems: string[] = [];
    const step = async (what: string, action: () => Promise<unknown> | undefined) => {
      try {
        await action();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    };
    this.recordRunning();
    await step("stopping the runner", () => this.runner?.stop());
    const local = await stopLocalRun(this.clusters);
    problems.push(...local.problems);
    await step("stopping the git server", () => this.gitServer?.stop());
    await step("stopping the attacker's web server", () => this.attacker?.stop());
    rmSync(DIRS.gitServer, { recursive: true, force: true });
    return {
      problems,
      pulumiLeft: local.pulumi,
      running: [...[...this.startedPids].filter(isRunning), ...local.running],
      listening: [...stillListening(this.usedPorts), ...local.listening],
    };
  }
}

/**
 * A run that was killed never reached its teardown, and left its git server's directory (host
 * key included) in the temp dir. Its sshd died with it; the directory of a run whose process is
 * gone is removed.
 */
function removeStaleGitServerDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(GIT_SERVER_DIR_PREFIX)) continue;
    const pid = Number(name.slice(GIT_SERVER_DIR_PREFIX.length));
    if (!Number.isInteger(pid) || pid <= 0 || isRunning(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

/** A bare repository of the attacker's, served over smart HTTP by its web server. */
async function createAttackerRepository(): Promise<void> {
  const work = repositoryContent(DIRS.scratch, ["attacker/escalation"]);
  const env = {
    PATH: process.env.PATH,
    HOME: DIRS.scratch,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "attacker",
    GIT_AUTHOR_EMAIL: "attacker@example.test",
    GIT_COMMITTER_NAME: "attacker",
    GIT_COMMITTER_EMAIL: "attacker@example.test",
  };
  const git = (args: string[], cwd = work) => runCommandOk("git", args, { cwd, env });
  await git(["init", "--quiet", "--initial-branch=main"]);
  await git(["add", "--all"]);
  await git(["commit", "--quiet", "-m", "escalation"]);
  await git(
    ["clone", "--quiet", "--bare", work, join(DIRS.attacker, "git", "escalation.git")],
    DIRS.scratch,
  );
}

/** The objects of a fixture folder, as manifests. */
export function fixtureManifests(folder: string): Manifest[] {
  const dir = join(FIXTURE_REPOSITORIES, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml")
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), "utf8")).map(
        (document) => document.toJS() as Manifest,
      ),
    );
}
