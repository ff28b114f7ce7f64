/**
 * Where the local environment of `npm run up:local` keeps its parts. Under .cache/gitops-local:
 * the control plane (thrown away by `down:local`), the runner's processes and logs, and the
 * supervisor that owns them. The git server (its host key, port, repositories and keys kept
 * across runs, so URLs and known_hosts stay valid) is outside the checkout, where the git account
 * reaches it: see gitServerHome.ts. The local stack's project copy and state are in
 * .pulumi-local/gitops-local, so its keys survive a `down:local`.
 *
 * K8S_FLUX_LOCAL_DIR, an existing directory, moves all of it (the git server's directory is then
 * named after that directory instead of the checkout): a second environment of the same checkout,
 * such as a test's, that never meets the one a person runs.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { REPO_ROOT } from "../../repoRoot";
import { GitOpsError } from "../errors";
import { localGitServerDir } from "./gitServerHome";

export const LOCAL_DIR_VARIABLE = "K8S_FLUX_LOCAL_DIR";

export interface LocalEnvironmentLayout {
  /** The checkout, or K8S_FLUX_LOCAL_DIR: whose git server directory this is. */
  readonly owner: string;
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

/** K8S_FLUX_LOCAL_DIR, checked, or undefined when it is not set. */
function localDirOverride(env: NodeJS.ProcessEnv): string | undefined {
  const dir = env[LOCAL_DIR_VARIABLE];
  if (dir === undefined || dir === "") return undefined;
  // Relative paths would depend on where npm happened to start the script.
  if (!isAbsolute(dir) || !existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GitOpsError(
      `${LOCAL_DIR_VARIABLE}=${dir}: expected the absolute path of an existing directory, where the local environment keeps its state`,
    );
  }
  return dir;
}

export function localEnvironmentLayout(
  env: NodeJS.ProcessEnv = process.env,
): LocalEnvironmentLayout {
  const override = localDirOverride(env);
  const owner = override ?? REPO_ROOT;
  const root = override ?? join(REPO_ROOT, ".cache", "gitops-local");
  const stackRoot = override
    ? join(override, "stack")
    : join(REPO_ROOT, ".pulumi-local", "gitops-local");
  return {
    owner,
    root,
    cluster: join(root, "cluster"),
    gitServer: localGitServerDir(owner),
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
