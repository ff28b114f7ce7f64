/**
 * `npm run --silent local:push -- <system|APP> <dir>`: makes the directory's content the new head
 * of that sync's repository on the local git server (one commit on top of the branch main, never a
 * force push) and prints the commit's full SHA, alone on stdout (`--silent` keeps npm's banner off
 * it). Then asks Flux to fetch it at once, as
 * `flux reconcile source git` does; without that, Flux looks at the repository every interval
 * (1 minute by default).
 */
import { resolve } from "node:path";
import { runningControlPlane } from "../../control-plane/controlPlane";
import { KubeApi } from "../../kube/api";
import { GitOpsError } from "../errors";
import { requestReconcile } from "../flux/reconcile";
import { connectGitServer } from "../gitServer/server";
import { readAdminKubeconfig } from "../runner/kubeconfig";
import { readEnvironmentRecord } from "./environmentRecord";
import { localEnvironmentLayout } from "./layout";
import { syncRefs } from "./syncRefs";

const USAGE = "usage: npm run --silent local:push -- <system|APP> <dir>";

async function main(): Promise<void> {
  const [target, dir, ...extra] = process.argv.slice(2);
  if (target === undefined || dir === undefined || extra.length > 0) throw new GitOpsError(USAGE);
  const layout = localEnvironmentLayout();
  const record = readEnvironmentRecord(layout.record);
  if (!record) throw new GitOpsError("the local environment is not set up; run `npm run up:local`");
  const synced = record.repositories.find((repository) => repository.target === target);
  if (!synced) {
    throw new GitOpsError(
      `no sync named ${JSON.stringify(target)}; expected one of ${record.repositories.map((repository) => repository.target).join(", ")}`,
    );
  }
  const server = await connectGitServer(record.gitServerDir);
  const sha = await server.push(synced.repository, resolve(dir), {
    message: `local:push ${resolve(dir)}`,
  });
  console.log(sha);

  const cluster = runningControlPlane(layout.cluster);
  if (!cluster) {
    console.error("local:push: the control plane is not running; Flux will fetch it once it is");
    return;
  }
  await requestReconcile(
    new KubeApi(readAdminKubeconfig(cluster.kubeconfigPath)),
    syncRefs(target).source,
  );
  console.error(
    `local:push: pushed ${synced.repository}; Flux is fetching it; see \`npm run local:status\``,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`local:push: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
