/**
 * Where the local environment of `npm run up:local` keeps its parts. Under .cache/gitops-local:
 * the control plane (thrown away by `down:local`), the runner's processes and logs, and the
 * supervisor that owns them. The git server (its host key, port, repositories and keys kept
 * across runs, so URLs and known_hosts stay valid) is outside the checkout, where the git account
 * reaches it: see gitServerHome.ts. The local stack's project copy and state are in
 * .pulumi-local/gitops-local, so its keys survive a `down:local`.
 */
import { join } from "node:path";
import { REPO_ROOT } from "../../repoRoot";
import { localGitServerDir } from "./gitServerHome";

export interface LocalEnvironmentLayout {
  readonly root: string;
  readonly cluster: string;
  readonly gitServer: string;
  readonly runner: string;
  /** The supervisor's pid and start time, while it runs. */
  readonly supervisorState: string;
  readonly supervisorLog: string;
  /** The runner's report, as the supervisor last wrote it. */
  readonly workloads: string;
  /** What up:local set up: see environmentRecord.ts. */
  readonly record: string;
  /** The built pulumi CLI's environment for the local stack, to source: see pulumiEnvFile.ts. */
  readonly pulumiEnv: string;
  readonly project: string;
  readonly backend: string;
}

export function localEnvironmentLayout(
  root = join(REPO_ROOT, ".cache", "gitops-local"),
  stackRoot = join(REPO_ROOT, ".pulumi-local", "gitops-local"),
  gitServer = localGitServerDir(),
): LocalEnvironmentLayout {
  return {
    root,
    cluster: join(root, "cluster"),
    gitServer,
    runner: join(root, "runner"),
    supervisorState: join(root, "supervisor.json"),
    supervisorLog: join(root, "supervisor.log"),
    workloads: join(root, "workloads.json"),
    record: join(root, "environment.json"),
    pulumiEnv: join(root, "pulumi-env.sh"),
    project: join(stackRoot, "project"),
    backend: join(stackRoot, "state"),
  };
}
