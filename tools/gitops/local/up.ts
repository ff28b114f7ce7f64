/**
 * `npm run up:local`: the local stack with GitOps for real, on this machine. Starts (or reuses)
 * the local git server, a control plane, the pre-installed Flux Operator and a supervisor whose
 * process runner runs the operator, source- and kustomize-controller and the sealed-secrets
 * controller; runs `pulumi up --refresh` on the local stack with its repositories moved to the git
 * server; adds the stack's deploy keys from `deployKeysToAddByHand`; asks Flux to fetch; and
 * prints each repository's SSH URL and how to push to it. `npm run down:local` stops it all.
 *
 * Whatever this run started is stopped again if a later step fails; what was running before is
 * left running.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseNoArguments, runCommand, type CommandText } from "../../cliArgs";
import {
  runningControlPlane,
  startControlPlane,
  stopControlPlane,
} from "../../control-plane/controlPlane";
import { KubeApi } from "../../kube/api";
import { LOCAL_STACK, prepareProjectCopy } from "../../local/project";
import { pulumiOk, runPulumi } from "../../local/pulumi";
import { describeRecovery, recoverInterruptedUpdate } from "../../local/recovery";
import { prepare } from "../../prepare";
import { pulumiCliPath } from "../../pulumi/environment";
import { GitOpsError } from "../errors";
import { fluxObjectStatus } from "../flux/objects";
import { requestReconcile } from "../flux/reconcile";
import {
  fluxOperatorModuleDir,
  OPERATOR_NAME,
  OPERATOR_NAMESPACE,
} from "../fluxOperator/runConfig";
import { preinstallFluxOperator } from "../fluxOperator/preinstalled";
import { readServerState } from "../gitServer/state";
import { gitServerLayout } from "../gitServer/layout";
import {
  connectGitServer,
  startGitServer,
  stopGitServer,
  type GitServer,
} from "../gitServer/server";
import { isSameProcess } from "../processes";
import { readAdminKubeconfig } from "../runner/kubeconfig";
import { waitForWorkloadReady } from "../runner/readiness";
import { aligned } from "./columns";
import { authorizeDeployKeys, deployKeysToAdd } from "./deployKeys";
import { writeEnvironmentRecord } from "./environmentRecord";
import { prepareLocalGitServerDir } from "./gitServerHome";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout, type LocalEnvironmentLayout } from "./layout";
import { obsoleteGitServer, obsoleteNotice } from "./obsoleteGitServer";
import { writePulumiEnvFile } from "./pulumiEnvFile";
import {
  gitOpsStackSettings,
  localStackSyncs,
  syncedRepositories,
  type SyncedRepository,
} from "./stackSettings";
import { supervisedWorkloads } from "./supervisedWorkloads";
import { runningSupervisor, startSupervisor, stopSupervisor } from "./supervisorControl";
import { syncRefs } from "./syncRefs";
import { readWorkloadsFile } from "./workloadsFile";

export const UP_LOCAL_COMMAND: CommandText = {
  name: "up:local",
  usage: `Run the local stack with GitOps for real, on this machine: the local git server, a control
plane, the Flux Operator and controllers under a supervisor, \`pulumi up --refresh\` of the local
stack with its repositories on the git server, and its deploy keys. Reuses what runs already;
stops what this run started if a later step fails. \`npm run down:local\` stops it all.

Usage:
  npm run up:local

  -h, --help    show this help

It builds the tools it needs first, or reuses them (npm run tools:build), and checks the git
server's prerequisites (tools/gitops/installPrerequisites.sh; as root, installs what is missing).
${LOCAL_DIR_VARIABLE}, an existing directory, keeps a second environment there instead.
Exit codes: 0 ready, 1 a step failed, 2 bad arguments.
`,
};

const PREFIX = `${UP_LOCAL_COMMAND.name}:`;
const print = (line: string): void => console.log(`${PREFIX} ${line}`);
const STACK = ["--stack", LOCAL_STACK];

/** What this run started, to stop in reverse order if a later step fails. */
const undo: { what: string; stop: () => Promise<unknown> }[] = [];

async function requireBuilt(): Promise<void> {
  pulumiCliPath();
  for (const workload of await supervisedWorkloads()) {
    try {
      accessSync(workload.binary, constants.X_OK);
    } catch {
      throw new GitOpsError(
        `${workload.binary} is not built; run \`npm run tools:build -- gitops\``,
      );
    }
  }
}

async function gitServer(dir: string): Promise<GitServer> {
  const state = readServerState(gitServerLayout(dir));
  if (state?.sshd && isSameProcess(state.sshd.pid, state.sshd.startTime)) {
    print(`using the git server already running on 127.0.0.1:${state.port}`);
    return connectGitServer(dir);
  }
  const server = await startGitServer({ stateDir: dir, outlivesParent: true });
  undo.push({ what: "the git server", stop: () => stopGitServer(dir) });
  print(`started the git server on 127.0.0.1:${server.port} (sshd pid ${server.pid})`);
  return server;
}

/**
 * A repository new on the server gets one commit, a README at the synced folder, so that Flux
 * finds the branch and the Kustomization becomes Ready with nothing in it.
 */
async function seed(server: GitServer, synced: SyncedRepository): Promise<void> {
  if (!(await server.createRepository(synced.repository))) return;
  const content = mkdtempSync(join(tmpdir(), "k8s-flux-seed-"));
  try {
    const folder = join(content, synced.path ?? ".");
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, "README.md"),
      `Flux applies the manifests in this folder for ${synced.target === "system" ? "the cluster (as cluster-admin)" : `application ${synced.target} (into its namespace, as its own account)`}.\nReplace this commit: npm run --silent local:push -- ${synced.target} <dir>\n`,
    );
    const sha = await server.push(synced.repository, content, {
      message: "up:local: an empty start, so Flux finds the branch",
    });
    print(`created ${synced.repository} with a first commit ${sha}`);
  } finally {
    rmSync(content, { recursive: true, force: true });
  }
}

async function controlPlane(dir: string): Promise<string> {
  const running = runningControlPlane(dir);
  if (running) {
    print(`using the control plane already running at ${running.server}`);
    return running.kubeconfigPath;
  }
  const started = await startControlPlane({ dir, outlivesParent: true });
  undo.push({ what: "the control plane", stop: () => stopControlPlane(dir) });
  print(`started kube-apiserver ${started.version} at ${started.server}`);
  return started.kubeconfigPath;
}

/** Refuses while an environment started before the git server moved still runs its sshd. */
function checkObsoleteGitServer(root: string): void {
  const obsolete = obsoleteGitServer(root);
  if (!obsolete) return;
  if (obsolete.runningSshd) {
    throw new GitOpsError(
      `the git server of an older up:local still runs from ${obsolete.dir} (sshd pid ${obsolete.runningSshd.pid}, port ${obsolete.runningSshd.port}); run \`npm run down:local\` to stop it, then up:local again`,
    );
  }
  print(obsoleteNotice(obsolete.dir));
}

async function main(): Promise<void> {
  // Read first: a wrong K8S_FLUX_LOCAL_DIR or a Pulumi.local.yaml that is not YAML is refused
  // before anything is built, installed or started.
  const layout = localEnvironmentLayout();
  const syncs = localStackSyncs();
  await prepare({ tools: ["pulumi-engine", "control-plane", "gitops"], gitServer: true });
  try {
    await startEverything(layout, syncs);
  } catch (error) {
    // What ran before this run stays; the failure itself is runCommand's to tell.
    for (const step of undo.reverse()) {
      try {
        await step.stop();
        console.error(`${PREFIX} stopped ${step.what}, which this run had started`);
      } catch (stopError) {
        console.error(`${PREFIX} stopping ${step.what} failed: ${(stopError as Error).message}`);
      }
    }
    throw error;
  }
}

async function startEverything(
  layout: LocalEnvironmentLayout,
  syncs: ReturnType<typeof localStackSyncs>,
): Promise<void> {
  await requireBuilt();
  checkObsoleteGitServer(layout.root);
  mkdirSync(layout.root, { recursive: true });
  prepareLocalGitServerDir(layout.gitServer, layout.owner);

  const server = await gitServer(layout.gitServer);
  const repositories = syncedRepositories(syncs);
  for (const synced of repositories) await seed(server, synced);

  const kubeconfig = await controlPlane(layout.cluster);
  const api = new KubeApi(readAdminKubeconfig(kubeconfig));
  await preinstallFluxOperator(api, await fluxOperatorModuleDir());
  print("the pre-installed Flux Operator's CRDs, RBAC and Deployment are applied");

  if (runningSupervisor(layout)) {
    print("using the supervisor already running");
  } else {
    const supervisor = await startSupervisor(layout);
    undo.push({ what: "the supervisor", stop: () => stopSupervisor(layout) });
    print(`started the supervisor (pid ${supervisor.pid}), which runs the process runner`);
  }
  await waitForWorkloadReady("the Flux Operator", () =>
    readWorkloadsFile(layout.workloads)?.workloads.find(
      (workload) => workload.namespace === OPERATOR_NAMESPACE && workload.name === OPERATOR_NAME,
    ),
  );
  print("the Flux Operator is ready");

  const context = {
    cwd: prepareProjectCopy(layout.project, kubeconfig, gitOpsStackSettings(server, syncs)),
    backendDir: layout.backend,
  };
  writePulumiEnvFile(layout.pulumiEnv, layout.backend);
  if ((await runPulumi(["stack", "select", LOCAL_STACK], context)).code !== 0) {
    await pulumiOk(["stack", "init", LOCAL_STACK], context);
  }
  // A killed earlier run leaves a lock and pending creates; see tools/local/recovery.ts.
  const recovery = await recoverInterruptedUpdate(context, LOCAL_STACK);
  for (const line of describeRecovery(recovery)) print(line);
  // --refresh: after `down:local` the control plane is a new, empty one, and the state still
  // lists what the old one held; this is the same path as recovering from a lost cluster.
  await pulumiOk(["up", "--yes", "--refresh", ...STACK], {
    ...context,
    echo: true,
    extraEnv: { PULUMI_K8S_DELETE_UNREACHABLE: "true", ...recovery.upEnvironment },
  });

  const outputs = await pulumiOk(["stack", "output", "--json", ...STACK], context);
  for (const key of authorizeDeployKeys(server, deployKeysToAdd(JSON.parse(outputs.stdout)))) {
    print(`deploy key ${key.fingerprint} on ${key.repository}: ${key.outcome}`);
  }
  // A source that failed before its key was added backs off for minutes; fetch now instead. The
  // operator makes the system's source after `pulumi up`, maybe not yet: its first fetch then
  // comes after the keys are there.
  for (const synced of repositories) {
    const source = syncRefs(synced.target).source;
    if (await fluxObjectStatus(api, source)) {
      await requestReconcile(api, source);
    } else {
      print(
        `${source.kind} ${source.namespace}/${source.name} is not made yet; it fetches once it is`,
      );
    }
  }

  const withUrls = repositories.map((synced) => ({
    ...synced,
    url: server.sshUrl(synced.repository),
  }));
  writeEnvironmentRecord(layout.record, {
    kubeconfig,
    gitServerDir: layout.gitServer,
    repositories: withUrls,
  });
  undo.length = 0;
  printSummary(kubeconfig, server, withUrls, layout.pulumiEnv);
}

function printSummary(
  kubeconfig: string,
  server: GitServer,
  repositories: readonly (SyncedRepository & { url: string })[],
  pulumiEnv: string,
): void {
  const layout = gitServerLayout(server.stateDir);
  const targets = repositories.map((synced) => synced.target).join("|");
  console.log(
    [
      "",
      `${PREFIX} ready. export KUBECONFIG=${kubeconfig}`,
      "",
      "Repositories (Flux applies the folder shown; each push replaces the branch main's content):",
      ...aligned(
        repositories.map((synced) => [synced.target, synced.url, `folder ${synced.path ?? "./"}`]),
      ),
      "",
      "Push a directory as the new head (prints the commit; Flux is asked to fetch it at once):",
      `  npm run --silent local:push -- <${targets}> <dir>`,
      "Or work with git itself, as the local environment's admin key (writes every repository):",
      `  export GIT_SSH_COMMAND='ssh -i ${layout.adminKey} -o IdentitiesOnly=yes -o UserKnownHostsFile=${layout.knownHosts} -o StrictHostKeyChecking=yes'`,
      "  git clone <url> work && cd work   # commit your change, then",
      "  git push origin HEAD:main",
      "",
      "Seal a secret with the stack's certificate (pulumi-env.sh points pulumi at the local stack):",
      `  (. ${pulumiEnv} && npm run --silent seal -- --stack ${LOCAL_STACK} --name NAME -n NAMESPACE --from-literal KEY=VALUE) > NAME.sealed.yaml`,
      "",
      "See what Flux made of it:  npm run local:status",
      "  (for tools, JSON alone on stdout: npm run --silent local:status -- --json)",
      "Stop everything:           npm run down:local",
    ].join("\n"),
  );
}

if (require.main === module) runCommand(UP_LOCAL_COMMAND, parseNoArguments, main);
