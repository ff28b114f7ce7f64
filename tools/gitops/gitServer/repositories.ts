/**
 * Bare repositories on the git server, and the admin push that gives one new content: the way the
 * local environment fills a repository, as a person would push to GitHub.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommandOk } from "../command";
import { GitOpsError } from "../errors";
import { GIT_WITHOUT_CONFIG, runAsGitAccountOk, type Account } from "./gitAccount";
import { repositoryDir, type GitServerLayout } from "./layout";
import { checkRepositoryName } from "./repositoryName";

export const DEFAULT_BRANCH = "main";

/** Creates `owner/repo` unless it exists; true when it was created. */
export async function createRepository(
  layout: GitServerLayout,
  account: Account,
  repository: string,
): Promise<boolean> {
  const dir = repositoryDir(layout, checkRepositoryName(repository));
  if (existsSync(dir)) return false;
  // As the git account, so pushes through sshd can write every file of it.
  await runAsGitAccountOk(account, "git", [
    "init",
    "--quiet",
    "--bare",
    `--initial-branch=${DEFAULT_BRANCH}`,
    dir,
  ]);
  return true;
}

export interface PushTarget {
  /** `ssh://git@127.0.0.1:<port>/owner/repo.git` */
  url: string;
  /** The private key to push with, and the known_hosts file that pins the server. */
  identityFile: string;
  knownHostsFile: string;
}

export interface PushOptions {
  branch?: string;
  message?: string;
}

const COMMITTER = { name: "k8s-flux local environment", email: "local@k8s-flux.invalid" };

/**
 * Makes `dir`'s content, as `git add -A` sees it (a .gitignore in it applies), the new head of the
 * branch: one commit on top of the current head, pushed without force. Returns its full SHA.
 */
export async function pushDirectory(
  target: PushTarget,
  dir: string,
  options: PushOptions = {},
): Promise<string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GitOpsError(`${dir} is not a directory; push needs the directory to publish`);
  }
  const branch = options.branch ?? DEFAULT_BRANCH;
  const scratch = mkdtempSync(join(tmpdir(), "k8s-flux-push-"));
  const gitDir = join(scratch, "git");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: scratch,
    LC_ALL: "C",
    ...GIT_WITHOUT_CONFIG,
    GIT_TERMINAL_PROMPT: "0",
    GIT_SSH_COMMAND: [
      "ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none",
      `-i ${target.identityFile}`,
      `-o UserKnownHostsFile=${target.knownHostsFile} -o GlobalKnownHostsFile=/dev/null`,
      "-o StrictHostKeyChecking=yes",
    ].join(" "),
    GIT_AUTHOR_NAME: COMMITTER.name,
    GIT_AUTHOR_EMAIL: COMMITTER.email,
    GIT_COMMITTER_NAME: COMMITTER.name,
    GIT_COMMITTER_EMAIL: COMMITTER.email,
  };
  const git = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<string> =>
    runCommandOk("git", [`--git-dir=${gitDir}`, ...args], { env: { ...env, ...extraEnv } });
  try {
    await runCommandOk("git", ["init", "--quiet", "--bare", gitDir], { env });
    const ref = `refs/heads/${branch}`;
    const head = (await git(["ls-remote", target.url, ref])).split(/\s/)[0] ?? "";
    const parent = /^[0-9a-f]{40}$/.test(head) ? head : undefined;
    if (parent) await git(["fetch", "--quiet", target.url, ref]);

    const index = { GIT_INDEX_FILE: join(scratch, "index") };
    await git([`--work-tree=${dir}`, "add", "--all", "."], index);
    const tree = (await git(["write-tree"], index)).trim();
    const message = options.message ?? `Publish ${dir}`;
    const commit = (
      await git(["commit-tree", tree, ...(parent ? ["-p", parent] : []), "-m", message])
    ).trim();
    await git(["push", "--quiet", target.url, `${commit}:${ref}`]);
    return commit;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
