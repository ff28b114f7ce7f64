/**
 * `npm run fixtures:older-state`: makes the older-state fixture (see olderStateFixture.ts) from
 * this repository's own history. It
 *
 * 1. checks the commit out in a `git worktree` under a new temporary directory, and runs `npm ci`
 *    there (the npm cache makes it quick);
 * 2. starts a control plane of its own with today's tools, and gives it what the local stack of
 *    that commit expected of a cluster managed elsewhere (its scripts/local/cluster.ts): the
 *    commit's own stand-in Flux CRDs and the flux-system namespace;
 * 3. puts the kubeconfig where the commit's Pulumi.local.yaml names it, inside the worktree, and
 *    runs `pulumi stack init` and `pulumi up` there, in the commit's own project, with the locally
 *    built engine on a file backend of its own;
 * 4. exports the state, takes the stack config file as `pulumi stack init` left it, checks that
 *    neither holds a private key in plaintext, and only then replaces the fixture's files;
 * 5. stops every process it started, by pid, and removes the worktree and the temporary
 *    directory, whatever failed.
 *
 * Takes a few minutes; it runs the real engine, so run it under the heavy-run lock when other
 * stages run.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { parseAllDocuments } from "yaml";
import { format, resolveConfig } from "prettier";
import { parseNoArguments, runCommand, type CommandText } from "../cliArgs";
import { type ControlPlane, startControlPlane } from "../control-plane/controlPlane";
import { runCommandOk } from "../gitops/command";
import { toolVersions } from "../go/versions";
import { KubeApi } from "../kube/api";
import { applyInOrder, formatRejection, waitForEstablished } from "../kube/apply";
import type { Manifest } from "../kube/manifest";
import { prepare } from "../prepare";
import { REPO_ROOT } from "../repoRoot";
import {
  kubeconfigSetting,
  OLDER_STATE_COMMIT,
  OLDER_STATE_FILES,
  olderStateFixtureDir,
  PRIVATE_KEY_PEM,
} from "./olderStateFixture";
import { LOCAL_STACK } from "./project";
import { type PulumiContext, pulumiOk, stopPulumiCommands } from "./pulumi";

/** Where the commit keeps its stand-in Flux CRDs (today's stack installs the real ones). */
const STAND_IN_CRDS_AT_COMMIT = "test/cluster/fixtures/standInCrds.yaml";

export const OLDER_STATE_COMMAND: CommandText = {
  name: "fixtures:older-state",
  usage: `Make the older-state fixture (test/faults/fixtures/older-state/<commit>/) again, from this
repository's history: the local stack as the program at commit ${OLDER_STATE_COMMIT} left it, made with a
control plane and the real engine of its own. Replaces the fixture's files in this checkout.
Takes a few minutes; run it under the heavy-run lock when other stages run.

Usage:
  npm run fixtures:older-state

  -h, --help    show this help

It builds the Pulumi engine and the control plane first, or reuses them (npm run tools:build).
Exit codes: 0 written, 1 a step failed, 2 bad arguments.
`,
};

const THIS_COMMAND = `npm run ${OLDER_STATE_COMMAND.name}`;

/** The pulumi commands the fixture comes from, in order, as provenance.json lists them. */
const PULUMI_STEPS = [
  ["stack", "init", LOCAL_STACK],
  ["up", "--yes", "--stack", LOCAL_STACK],
] as const;

/** Aborted by a signal, to stop the command running now. */
const interrupt = new AbortController();

/** npm ci may fetch what the npm cache lacks. */
const NPM_CI_TIMEOUT_MS = 10 * 60_000;

function throwIfInterrupted(): void {
  if (interrupt.signal.aborted) {
    throw new Error(`interrupted by ${String(interrupt.signal.reason)}`);
  }
}

async function runOk(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs?: number,
): Promise<string> {
  throwIfInterrupted();
  return runCommandOk(command, args, {
    cwd,
    signal: interrupt.signal,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

const git = (args: readonly string[]): Promise<string> => runOk("git", args, REPO_ROOT);

interface CommitInfo {
  readonly sha: string;
  readonly date: string;
  readonly subject: string;
}

async function commitInfo(commit: string): Promise<CommitInfo> {
  const sha = (await git(["rev-parse", "--verify", `${commit}^{commit}`])).trim();
  const [date = "", subject = ""] = (await git(["show", "-s", "--format=%cI%n%s", sha]))
    .trim()
    .split("\n");
  return { sha, date, subject };
}

/** What the commit's local stack expected of the cluster: its stand-in CRDs and flux-system. */
async function prepareClusterAsAtCommit(api: KubeApi, worktree: string): Promise<void> {
  const text = readFileSync(join(worktree, STAND_IN_CRDS_AT_COMMIT), "utf8");
  const crds = parseAllDocuments(text).map((document) => document.toJS() as Manifest);
  const namespace: Manifest = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "flux-system", labels: { "app.kubernetes.io/part-of": "k8s-flux-local" } },
  };
  const result = await applyInOrder(api, [...crds, namespace]);
  if (result.rejections.length > 0) {
    throw new Error(`the cluster refused: ${result.rejections.map(formatRejection).join("; ")}`);
  }
  for (const crd of crds) await waitForEstablished(api, crd.metadata.name);
}

/** The file formatted as the repository formats it, so `npm run format:check` passes. */
async function formatted(path: string, text: string): Promise<string> {
  const options = (await resolveConfig(path)) ?? {};
  return format(text, { ...options, filepath: path });
}

const log = (line: string): void => console.log(`${OLDER_STATE_COMMAND.name}: ${line}`);

async function makeFixture(workDir: string, commit: CommitInfo): Promise<void> {
  const worktree = join(workDir, "source");
  const fixtureDir = olderStateFixtureDir(OLDER_STATE_COMMIT);
  let started = Date.now();
  const since = (): string => `${Math.round((Date.now() - started) / 1000)} s`;

  await git(["worktree", "add", "--detach", worktree, commit.sha]);
  log(`checked out ${commit.sha.slice(0, 12)} (${commit.date}) in ${worktree}`);
  started = Date.now();
  await runOk(
    "npm",
    ["ci", "--no-audit", "--no-fund", "--prefer-offline"],
    worktree,
    NPM_CI_TIMEOUT_MS,
  );
  const npmVersion = (await runOk("npm", ["--version"], worktree)).trim();
  log(`npm ci in ${since()}`);

  started = Date.now();
  let cluster: ControlPlane | undefined;
  try {
    cluster = await startControlPlane({ dir: join(workDir, "cluster") });
    await prepareClusterAsAtCommit(new KubeApi(cluster), worktree);
    log(`kube-apiserver ${cluster.version} ready with the commit's stand-in CRDs in ${since()}`);

    const configPath = join(worktree, OLDER_STATE_FILES.config);
    const kubeconfig = join(worktree, kubeconfigSetting(readFileSync(configPath, "utf8")));
    mkdirSync(dirname(kubeconfig), { recursive: true });
    copyFileSync(cluster.kubeconfigPath, kubeconfig);

    const context: PulumiContext = { cwd: worktree, backendDir: join(workDir, "state") };
    for (const step of PULUMI_STEPS) {
      throwIfInterrupted();
      started = Date.now();
      await pulumiOk(step, context);
      log(`pulumi ${step.join(" ")} in ${since()}`);
    }
    const exported = (await pulumiOk(["stack", "export", "--stack", LOCAL_STACK], context)).stdout;
    const resourceCount =
      (JSON.parse(exported) as { deployment?: { resources?: unknown[] } }).deployment?.resources
        ?.length ?? 0;

    mkdirSync(dirname(fixtureDir), { recursive: true });
    const staging = mkdtempSync(join(dirname(fixtureDir), `.${OLDER_STATE_COMMIT}-`));
    try {
      const files: Record<string, string> = {
        [OLDER_STATE_FILES.state]: exported,
        [OLDER_STATE_FILES.config]: readFileSync(configPath, "utf8"),
        [OLDER_STATE_FILES.provenance]: JSON.stringify({
          commit: commit.sha,
          commitDate: commit.date,
          commitSubject: commit.subject,
          made: new Date().toISOString(),
          madeBy: THIS_COMMAND,
          how:
            `the commit's own project in a git worktree (npm ci), on a new control plane with the ` +
            `commit's stand-in CRDs and the flux-system namespace; the kubeconfig at the path its ` +
            `${OLDER_STATE_FILES.config} names; then pulumi ${PULUMI_STEPS.map((step) => step.join(" ")).join(", then pulumi ")}; ` +
            `state from pulumi stack export`,
          stack: LOCAL_STACK,
          passphrase:
            "LOCAL_STACK_PASSPHRASE of tools/pulumi/environment.ts (a throwaway stack's keys)",
          resources: resourceCount,
          tools: {
            node: process.version,
            npm: npmVersion,
            pulumi: toolVersions.pulumi,
            pulumiLanguageNodejs: toolVersions.pulumiLanguageNodejs,
            pulumiResourceKubernetes: toolVersions.pulumiKubernetesProvider.version,
            pulumiResourceTls: toolVersions.pulumiTlsProvider.version,
            kubeApiserver: cluster.version,
            etcd: toolVersions.etcd,
          },
        }),
      };
      for (const [name, text] of Object.entries(files)) {
        const target = join(fixtureDir, name);
        const content = await formatted(target, text);
        if (PRIVATE_KEY_PEM.test(content)) {
          throw new Error(`${name} would hold a private key in plaintext; nothing was written`);
        }
        writeFileSync(join(staging, name), content);
      }
      rmSync(fixtureDir, { recursive: true, force: true });
      renameSync(staging, fixtureDir);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    const sizes = Object.values(OLDER_STATE_FILES).map(
      (name) => `${name} ${Math.round(readFileSync(join(fixtureDir, name)).length / 1024)} KiB`,
    );
    log(
      `wrote ${relative(REPO_ROOT, fixtureDir)}: ${resourceCount} resources; ${sizes.join(", ")}`,
    );
  } finally {
    try {
      await stopPulumiCommands();
    } finally {
      await cluster?.stop();
    }
  }
}

/** Removes the worktree and git's record of it; runs after an interrupt too, so it waits on git. */
function removeWorktree(worktree: string): void {
  if (existsSync(worktree)) {
    const removed = spawnSync("git", ["worktree", "remove", "--force", worktree], {
      cwd: REPO_ROOT,
    });
    if (removed.status !== 0) rmSync(worktree, { recursive: true, force: true });
  }
  spawnSync("git", ["worktree", "prune"], { cwd: REPO_ROOT });
}

async function main(): Promise<void> {
  await prepare({ tools: ["pulumi-engine", "control-plane"] });
  // From here a signal stops the command running now; the pulumi commands and the control plane
  // stop on their own handlers, and the failure that follows runs the clean-up below.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      interrupt.abort(signal);
    });
  }
  const commit = await commitInfo(OLDER_STATE_COMMIT);
  const workDir = mkdtempSync(join(tmpdir(), "k8s-flux-older-state-"));
  try {
    await makeFixture(workDir, commit);
  } finally {
    removeWorktree(join(workDir, "source"));
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) runCommand(OLDER_STATE_COMMAND, parseNoArguments, main);
