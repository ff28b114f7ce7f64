import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type ControlPlane, startControlPlane } from "../../control-plane/controlPlane";
import { KubeApi } from "../../kube/api";
import { prepareForLocalStack } from "../../local/cluster";
import { pulumiOk } from "../../local/pulumi";
import { prepareFleetProject } from "../../../test/fleet/fleetProject";

const dir = "/tmp/fleet-measure";
const project = join(dir, "project");
const state = join(dir, "state");
function fleet(args: string[]) {
  let out: string;
  try {
    out = execFileSync(process.execPath, ["--import", "tsx", "tools/fleet/cli.ts", ...args, "--json", "--work-dir", project, "--log-dir", join(dir, "logs")], { env: { ...process.env, PULUMI_BACKEND_URL: pathToFileURL(state).href }, stdio: ["ignore", "pipe", "ignore"] }).toString();
  } catch (e) { out = (e as { stdout: Buffer }).stdout.toString(); }
  const s = JSON.parse(out);
  console.log(args.join(" ").padEnd(40), s.durationSeconds.toFixed(1), "s", s.stacks.map((o: { result: string; durationSeconds: number }) => `${o.result} ${o.durationSeconds?.toFixed(1)}`).join(", "));
}
async function main() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(state, { recursive: true });
  const clusters: ControlPlane[] = [];
  try {
    for (const x of ["a", "b", "c"]) clusters.push(await startControlPlane({ dir: join(dir, `cluster-${x}`) }));
    for (const c of clusters) await prepareForLocalStack(new KubeApi(c));
    const stacks = clusters.map((c, i) => ({ name: `fleet-${"abc"[i]}`, tenant: `tenant-${"abc"[i]}`, kubeconfigPath: c.kubeconfigPath }));
    prepareFleetProject(project, stacks);
    const ctx = { cwd: project, backendDir: state };
    for (const s of stacks) await pulumiOk(["stack", "init", s.name], ctx);
    fleet(["up", "--concurrency", "2"]);
    fleet(["drift", "--concurrency", "2"]);
    fleet(["drift", "--concurrency", "1"]);
    fleet(["up", "--concurrency", "2"]);
    fleet(["up", "--concurrency", "1"]);
    for (const s of stacks) await pulumiOk(["destroy", "--yes", "--stack", s.name], ctx);
    fleet(["up", "--concurrency", "1"]);
  } finally {
    for (const c of clusters) await c.stop();
  }
}
main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
