/**
 * `npm run cluster:build [-- --repin]`: builds kube-apiserver, kube-controller-manager and etcd
 * from the Go module proxy with this machine's Go, through our wrapper modules, into
 * .cache/tools/<name>-<version>/. A second run finds them there and only says so.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import {
  adviceFor,
  GoCommandError,
  goBuildArgs,
  kubernetesVersionLdflags,
  runGo,
} from "./goCommand";
import { isRunning } from "./processes";
import { repinWrappers } from "./repin";
import { etcdTool, kubernetesTool, REPO_ROOT, toolDir, type GoTool } from "./tools";
import { etcdWrapperProblems, kubernetesWrapperProblems } from "./wrapperModules";

const USAGE = "usage: npm run cluster:build [-- --repin]";
const STAMP = ".build.json";

class BuildError extends Error {}

function wrapperDigest(tool: GoTool): string {
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum"]) hash.update(readFileSync(join(tool.wrapperDir, file)));
  return hash.digest("hex");
}

/** Built from exactly the wrapper now committed: every binary there and the stamp matching. */
function isBuilt(tool: GoTool): boolean {
  const dir = toolDir(tool);
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP), "utf8")) as { wrapper?: string };
    return (
      stamp.wrapper === wrapperDigest(tool) &&
      Object.keys(tool.packages).every((binary) => existsSync(join(dir, binary)))
    );
  } catch {
    return false;
  }
}

function checkWrapper(tool: GoTool): void {
  const goModPath = join(tool.wrapperDir, "go.mod");
  const goMod = readFileSync(goModPath, "utf8");
  const problems =
    tool === kubernetesTool
      ? kubernetesWrapperProblems(goMod, tool.version)
      : etcdWrapperProblems(goMod, tool.version);
  if (!existsSync(join(tool.wrapperDir, "go.sum"))) problems.push("has no go.sum next to it");
  if (problems.length > 0) {
    throw new BuildError(
      `${relative(REPO_ROOT, goModPath)} ${problems.join("; ")} (components/versions.ts pins ${tool.version}); ` +
        "run `npm run cluster:build -- --repin` and commit the wrapper",
    );
  }
}

/** The release's publication time, as a reproducible build date. */
async function moduleTime(tool: GoTool, module: string): Promise<string> {
  const output = await runGo({ args: ["list", "-m", "-json", module], cwd: tool.wrapperDir });
  const time = (JSON.parse(output) as { Time?: string }).Time;
  return time ? new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z") : "1970-01-01T00:00:00Z";
}

/** Partial directories of builds that were interrupted. */
function removeAbandonedPartials(dir: string): void {
  const prefix = `${basename(dir)}.partial-`;
  if (!existsSync(dirname(dir))) return;
  for (const entry of readdirSync(dirname(dir))) {
    const pid = Number(entry.slice(prefix.length));
    if (entry.startsWith(prefix) && !(Number.isInteger(pid) && isRunning(pid))) {
      rmSync(join(dirname(dir), entry), { recursive: true, force: true });
    }
  }
}

function minutes(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

async function build(tool: GoTool): Promise<void> {
  const dir = toolDir(tool);
  const partial = `${dir}.partial-${process.pid}`;
  removeAbandonedPartials(dir);
  mkdirSync(partial, { recursive: true });
  const names = Object.keys(tool.packages).join(", ");
  const started = Date.now();
  try {
    const ldflags =
      tool === kubernetesTool
        ? kubernetesVersionLdflags(tool.version, await moduleTime(tool, "k8s.io/kubernetes"))
        : [];
    for (const [binary, pkg] of Object.entries(tool.packages)) {
      await runGo({
        args: goBuildArgs({ output: join(partial, binary), pkg, ldflags }),
        cwd: tool.wrapperDir,
        // Static binaries, as Kubernetes releases them; no C toolchain needed.
        env: { CGO_ENABLED: "0" },
      });
    }
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!(error instanceof GoCommandError) || error.output === "") throw error;
    const log = `${dir}.build.log`;
    writeFileSync(log, error.output);
    throw new BuildError(
      `building ${tool.name} ${tool.version} failed: ${error.message}; ${adviceFor(error.output)} ` +
        `(full output: ${relative(REPO_ROOT, log)})`,
    );
  }
  writeFileSync(
    join(partial, STAMP),
    `${JSON.stringify({ version: tool.version, wrapper: wrapperDigest(tool) }, null, 2)}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  console.log(`cluster:build: built ${names} ${tool.version} in ${minutes(Date.now() - started)}`);
}

function parseOptions(): { repin?: boolean } {
  try {
    return parseArgs({ options: { repin: { type: "boolean" } } }).values;
  } catch (error) {
    throw new BuildError(`${(error as Error).message}; ${USAGE}`);
  }
}

async function goVersion(): Promise<string | undefined> {
  const output = await runGo({ args: ["env", "GOVERSION"], cwd: REPO_ROOT });
  return output.trim() || undefined;
}

async function main(): Promise<void> {
  const repin = parseOptions().repin ?? false;
  const tools = [kubernetesTool, etcdTool];
  if (repin) {
    await repinWrappers();
    console.log("cluster:build: rewrote tools/control-plane/{kubernetes,etcd}/go.mod and go.sum");
  }
  for (const tool of tools) checkWrapper(tool);

  const missing = tools.filter((tool) => !isBuilt(tool));
  if (missing.length === 0) {
    const dirs = tools.map((tool) => relative(REPO_ROOT, toolDir(tool))).join(" and ");
    console.log(`cluster:build: reusing ${dirs} (remove a directory to rebuild it)`);
    return;
  }
  const what = missing.map((tool) => `${tool.name} ${tool.version}`).join(" and ");
  console.log(
    `cluster:build: building ${what} with ${(await goVersion()) ?? "go"}; ` +
      "with empty Go caches this takes about 25 minutes on 2 cores",
  );
  for (const tool of missing) await build(tool);
}

main().catch((error: unknown) => {
  let message: string;
  if (error instanceof GoCommandError) {
    message = error.output === "" ? error.message : `${error.message}; ${adviceFor(error.output)}`;
  } else if (error instanceof BuildError) {
    message = error.message;
  } else {
    message = String((error as Error).stack ?? error);
  }
  console.error(`cluster:build: ${message}`);
  process.exitCode = 1;
});
