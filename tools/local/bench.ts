/**
 * `npm run bench [-- --only single-stack|fleet]`. Prints figures and their ratios; asserts
 * nothing. Every process it starts is stopped, whatever fails.
 *
 * - single-stack: what the real engine costs over a plain server-side apply, for a dev-sized
 *   stack (one application) and a 50-application one. For each: `pulumi up` from empty, a
 *   `pulumi up` that changes nothing, and a server-side apply of the same objects (rendered
 *   offline) into an empty control plane.
 * - fleet: `npm run fleet` on three stacks at concurrency 1 and 2 (fleetBench.ts).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { quoted } from "../../components/shared/quotedText";
import {
  parseCommandLine,
  runCommand,
  UsageError,
  type CommandText,
  type Parsed,
} from "../cliArgs";
import { startControlPlane } from "../control-plane/controlPlane";
import { KubeApi } from "../kube/api";
import { prepare } from "../prepare";
import { applyInOrder } from "../kube/apply";
import { renderStack } from "../render/render";
import { prepareForLocalStack } from "./cluster";
import { measureFleet, printFleetFigures } from "./fleetBench";
import { LOCAL_STACK, prepareProjectCopy } from "./project";
import { REPO_ROOT } from "../repoRoot";
import { pulumiOk } from "./pulumi";

const WORK_DIR = join(REPO_ROOT, ".cache", "bench");

const applications = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    name: `app-${String(index + 1).padStart(2, "0")}`,
    repository: `git@github.com:acme/app-${index + 1}-flux.git`,
  }));

interface Figures {
  readonly label: string;
  readonly objects: number;
  readonly upFromEmpty: number;
  readonly upNoChange: number;
  readonly serverSideApply: number;
}

const seconds = (started: number) => (Date.now() - started) / 1000;

async function measure(label: string, appCount: number): Promise<Figures> {
  const settings = { applications: applications(appCount) };
  const dir = join(WORK_DIR, label);
  rmSync(dir, { recursive: true, force: true });

  let cluster = await startControlPlane({ dir: join(dir, "cluster") });
  let upFromEmpty: number;
  let upNoChange: number;
  try {
    await prepareForLocalStack(new KubeApi(cluster));
    const context = {
      cwd: prepareProjectCopy(join(dir, "project"), cluster.kubeconfigPath, settings),
      backendDir: join(dir, "state"),
    };
    await pulumiOk(["stack", "init", LOCAL_STACK], context);
    let started = Date.now();
    await pulumiOk(["up", "--yes", "--stack", LOCAL_STACK], context);
    upFromEmpty = seconds(started);
    started = Date.now();
    await pulumiOk(["up", "--yes", "--expect-no-changes", "--stack", LOCAL_STACK], context);
    upNoChange = seconds(started);
  } finally {
    await cluster.stop();
  }

  const rendering = await renderStack(LOCAL_STACK, settings);
  cluster = await startControlPlane({ dir: join(dir, "cluster") });
  try {
    const api = new KubeApi(cluster);
    await prepareForLocalStack(api);
    const started = Date.now();
    const result = await applyInOrder(
      api,
      rendering.objects.map((object) => object.manifest),
    );
    const serverSideApply = seconds(started);
    if (result.rejections.length > 0) {
      throw new Error(`the API server refused ${result.rejections.length} rendered objects`);
    }
    return { label, objects: rendering.objects.length, upFromEmpty, upNoChange, serverSideApply };
  } finally {
    await cluster.stop();
  }
}

const SECTIONS = ["single-stack", "fleet"] as const;
type Section = (typeof SECTIONS)[number];

export const BENCH_COMMAND: CommandText = {
  name: "bench",
  usage: `Measure the real engine against a plain server-side apply (single-stack), and the fleet
command at concurrency 1 and 2 (fleet). Prints figures and ratios; asserts nothing.

Usage:
  npm run bench [-- --only ${SECTIONS.join("|")}]

  --only SECTION   run one section (default: both)
  -h, --help       show this help

It builds the Pulumi engine and the control plane first, or reuses them (npm run tools:build).
Exit codes: 0 measured, 1 a run failed, 2 bad arguments.
`,
};

export interface BenchOptions {
  readonly sections: readonly Section[];
}

/** The sections `--only` names, or all of them. */
export function parseBenchArgs(argv: readonly string[]): Parsed<BenchOptions> {
  const line = parseCommandLine(argv, { only: { type: "string" } });
  if (line.help) return line;
  const { only } = line.flags;
  if (only === undefined) return { help: false, sections: SECTIONS };
  const section = SECTIONS.find((candidate) => candidate === only);
  if (!section) {
    throw new UsageError(`--only ${quoted(only)}: expected one of ${SECTIONS.join(", ")}`);
  }
  return { help: false, sections: [section] };
}

async function singleStack(): Promise<void> {
  const rows = [await measure("dev-sized", 1), await measure("50-applications", 50)];
  const cell = (value: number) => `${value.toFixed(1)} s`.padStart(9);
  const ratio = (value: number) => `${value.toFixed(1)}x`.padStart(7);
  console.log(
    "\nstack             objects  up (empty)  up (no change)  server-side apply  up/apply  no-change/apply",
  );
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(17)} ${String(row.objects).padStart(7)}  ${cell(row.upFromEmpty)}   ${cell(row.upNoChange)}       ${cell(row.serverSideApply)}    ${ratio(row.upFromEmpty / row.serverSideApply)}  ${ratio(row.upNoChange / row.serverSideApply)}`,
    );
  }
  const [small, large] = rows;
  if (small && large) {
    console.log(
      `\n50 applications against 1: pulumi up ${ratio(large.upFromEmpty / small.upFromEmpty)}, no-change up ${ratio(large.upNoChange / small.upNoChange)}, server-side apply ${ratio(large.serverSideApply / small.serverSideApply)}`,
    );
  }
}

async function main({ sections }: BenchOptions): Promise<void> {
  await prepare({ tools: ["pulumi-engine", "control-plane"] });
  if (sections.includes("single-stack")) await singleStack();
  if (sections.includes("fleet")) printFleetFigures(await measureFleet(WORK_DIR));
  rmSync(WORK_DIR, { recursive: true, force: true });
}

if (require.main === module) runCommand(BENCH_COMMAND, parseBenchArgs, main);
