/**
 * `npm run --silent local:push -- <system|APP> <dir>`: makes the directory's content the new head
 * of that sync's repository on the local git server (one commit on top of the branch main, never a
 * force push) and prints the commit's full SHA, alone on stdout (`--silent` keeps npm's banner off
 * it). Then asks Flux to fetch it at once, as
 * `flux reconcile source git` does; without that, Flux looks at the repository every interval
 * (1 minute by default).
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { quoted } from "../../../components/shared/quotedText";
import {
  parseCommandLine,
  runCommand,
  UsageError,
  type CommandText,
  type Parsed,
} from "../../cliArgs";
import { runningControlPlane } from "../../control-plane/controlPlane";
import { fileProblem } from "../../problems";
import { KubeApi } from "../../kube/api";
import { GitOpsError } from "../errors";
import { requestReconcile } from "../flux/reconcile";
import { connectGitServer } from "../gitServer/server";
import { readAdminKubeconfig } from "../runner/kubeconfig";
import { requireEnvironmentRecord } from "./environmentRecord";
import { LOCAL_DIR_VARIABLE, localEnvironmentLayout } from "./layout";
import { syncRefs } from "./syncRefs";
import { userDirectory } from "../../userDirectory";

export const LOCAL_PUSH_COMMAND: CommandText = {
  name: "local:push",
  usage: `Make a directory's content the new head of one sync's repository on the local git server
(one commit on top of main, never a force push), print the commit's SHA alone on stdout, and ask
Flux to fetch it at once.

Usage:
  npm run --silent local:push -- TARGET DIR

  TARGET        system, or an application's name: a sync \`npm run up:local\` listed
  DIR           the content; a relative DIR is from the directory you run npm in
  -h, --help    show this help

${LOCAL_DIR_VARIABLE}, an existing directory, names a second environment to push to instead.
Exit codes: 0 pushed, 1 not pushed (not set up, unknown TARGET, push refused), 2 bad arguments.
`,
};

const PREFIX = `${LOCAL_PUSH_COMMAND.name}:`;

export interface LocalPushOptions {
  readonly target: string;
  /** Absolute. */
  readonly dir: string;
}

/** `userDir` is where a relative DIR starts: userDirectory() of tools/userDirectory.ts. */
export function parseLocalPushArgs(
  argv: readonly string[],
  userDir: string,
): Parsed<LocalPushOptions> {
  const line = parseCommandLine(argv, {}, { positionals: true });
  if (line.help) return line;
  const [target, dir, ...extra] = line.positionals;
  if (target === undefined || dir === undefined) {
    throw new UsageError("name the sync and the directory: TARGET DIR");
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument ${quoted(extra[0])}; give one TARGET and one DIR`);
  }
  if (target === "" || dir === "") throw new UsageError("TARGET and DIR cannot be empty");
  const absolute = resolve(userDir, dir);
  const problem = directoryProblem(absolute);
  if (problem !== undefined) throw new UsageError(`DIR ${quoted(absolute)}: ${problem}`);
  return { help: false, target, dir: absolute };
}

/** Why `dir` cannot be pushed as a repository's content; undefined when it can. */
function directoryProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : "not a directory";
  } catch (error) {
    return fileProblem(error);
  }
}

async function main({ target, dir }: LocalPushOptions): Promise<void> {
  const layout = localEnvironmentLayout();
  const record = requireEnvironmentRecord(layout.record);
  const synced = record.repositories.find((repository) => repository.target === target);
  if (!synced) {
    throw new GitOpsError(
      `no sync named ${quoted(target)}; expected one of ${record.repositories.map((repository) => repository.target).join(", ")}`,
    );
  }
  const server = await connectGitServer(record.gitServerDir);
  const sha = await server.push(synced.repository, dir, {
    message: `${LOCAL_PUSH_COMMAND.name} ${dir}`,
  });
  console.log(sha);

  const cluster = runningControlPlane(layout.cluster);
  if (!cluster) {
    console.error(`${PREFIX} the control plane is not running; Flux will fetch it once it is`);
    return;
  }
  await requestReconcile(
    new KubeApi(readAdminKubeconfig(cluster.kubeconfigPath)),
    syncRefs(target).source,
  );
  console.error(
    `${PREFIX} pushed ${synced.repository}; Flux is fetching it; see \`npm run local:status\``,
  );
}

if (require.main === module) {
  const userDir = userDirectory(LOCAL_PUSH_COMMAND.name);
  runCommand(LOCAL_PUSH_COMMAND, (argv) => parseLocalPushArgs(argv, userDir), main);
}
