/**
 * Building one tool from its wrapper module into the cache: check the wrapper against the pins,
 * run the tool's preparation, `go build` each binary into a partial directory, check the version
 * it reports, stamp the inputs, and rename the directory into place. A failure leaves nothing
 * behind but the build log.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import {
  buildLogPath,
  partialDir,
  publish,
  readBuildTimes,
  recordBuildTime,
  toolDir,
} from "./cache";
import { REPO_ROOT } from "../repoRoot";
import { goBuildArgs, goEnvironment } from "./environment";
import {
  adviceFor,
  GoCommandError,
  goStep,
  localGoRelease,
  runGo,
  type GoRunner,
} from "./goCommand";
import { wrapperProblems } from "./goMod";
import type { GoTool, Preparation } from "./goTool";
import { downloadIn, ProgressReporter } from "./progress";
import { writeStamp } from "./reuse";

/** A failure the user can act on; its message is one line. */
export class BuildError extends Error {
  override name = "BuildError";
}

/** How to run the repin for this tool, for messages. */
export function repinCommand(tool: GoTool): string {
  return `npm run tools:build -- --repin ${tool.name}`;
}

/** Throws a BuildError when the committed wrapper does not build what the pins say. */
export function checkWrapper(tool: GoTool): void {
  const goModPath = join(tool.wrapperDir, "go.mod");
  const shown = relative(REPO_ROOT, goModPath);
  if (!existsSync(goModPath)) {
    throw new BuildError(`${shown} is missing; run \`${repinCommand(tool)}\``);
  }
  const goMod = readFileSync(goModPath, "utf8");
  const problems = [...wrapperProblems(tool, goMod), ...(tool.goModProblems?.(goMod) ?? [])];
  if (!existsSync(join(tool.wrapperDir, "go.sum"))) problems.push("has no go.sum next to it");
  if (problems.length > 0) {
    throw new BuildError(
      `${shown} ${problems.join("; ")} (tools/go/versions.ts pins ${tool.name} ${tool.version}); ` +
        `run \`${repinCommand(tool)}\` and commit the wrapper's go.mod and go.sum`,
    );
  }
}

/** A go runner for one tool: its wrapper, its environment, and the step shown in progress. */
export function goRunnerFor(tool: GoTool, progress?: ProgressReporter): GoRunner {
  return (args, options = {}) => {
    const step = options.step ?? `go ${goStep(args)}`;
    progress?.moveTo(step);
    return runGo({
      args,
      cwd: options.cwd ?? tool.wrapperDir,
      env: goEnvironment(tool),
      onOutput: (chunk) => {
        const module = downloadIn(chunk);
        if (module) progress?.note(`downloading ${module}`);
      },
    });
  };
}

function checkVersion(tool: GoTool, dir: string): void {
  if (!tool.versionCheck) return;
  const { binary, args, expect } = tool.versionCheck;
  const run = spawnSync(join(dir, binary), args, { encoding: "utf8", timeout: 60_000 });
  const printed = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
  if (!printed.includes(expect)) {
    throw new BuildError(
      `${[binary, ...args].join(" ")} printed "${printed.split("\n")[0] ?? ""}", not ${expect}`,
    );
  }
}

export interface BuildResult {
  dir: string;
  ms: number;
}

/**
 * Builds the tool into root/<name>-<version>/, printing progress every 30 s. Throws BuildError
 * (or GoCommandError when go cannot run at all) with one actionable line.
 */
export async function buildTool(
  tool: GoTool,
  root: string,
  print: (line: string) => void,
): Promise<BuildResult> {
  checkWrapper(tool);
  const dir = toolDir(tool, root);
  const partial = partialDir(dir);
  mkdirSync(partial, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), `k8s-flux-${tool.name}-`));
  const last = readBuildTimes(root)[tool.name];
  const progress = new ProgressReporter(
    { tool: tool.name, version: tool.version, ...(last ? { last } : {}) },
    print,
  );
  const go = goRunnerFor(tool, progress);
  try {
    let preparation: Preparation = {};
    const ldflags = [...(tool.ldflags ?? [])];
    if (tool.prepare) {
      preparation = await tool.prepare({
        tool,
        scratch,
        go,
        ldflags,
        step: (name) => progress.moveTo(name),
      });
    }
    ldflags.push(...(preparation.ldflags ?? []));
    let overlay: string | undefined;
    if (preparation.overlay) {
      overlay = join(scratch, "overlay.json");
      writeFileSync(overlay, JSON.stringify({ Replace: preparation.overlay }));
    }
    for (const [binary, pkg] of Object.entries(tool.binaries)) {
      const args = goBuildArgs({
        output: join(partial, binary),
        pkg,
        ldflags,
        ...(overlay ? { overlay } : {}),
        vendored: preparation.vendoredModule !== undefined,
      });
      await go(args, {
        step: `go build ${binary}`,
        ...(preparation.vendoredModule ? { cwd: preparation.vendoredModule } : {}),
      });
    }
    progress.moveTo("checking the version");
    checkVersion(tool, partial);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof GoCommandError && error.output === "") throw error;
    const output =
      error instanceof GoCommandError ? error.output : String((error as Error).stack ?? error);
    const log = buildLogPath(dir);
    mkdirSync(root, { recursive: true });
    writeFileSync(log, output);
    const advice = error instanceof GoCommandError ? `; ${adviceFor(output)}` : "";
    throw new BuildError(
      `building ${tool.name} ${tool.version} failed: ${(error as Error).message.split("\n")[0]}` +
        `${advice} (full output: ${log})`,
    );
  } finally {
    progress.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  // The go that built it; the tool's GOTOOLCHAIN, when it has one, is recorded instead.
  writeStamp(partial, tool, (await localGoRelease(REPO_ROOT)) ?? "go");
  publish(partial, dir);
  rmSync(buildLogPath(dir), { force: true });
  const ms = progress.elapsedMs();
  recordBuildTime(root, tool.name, {
    version: tool.version,
    seconds: Math.round(ms / 1000),
    finished: new Date().toISOString(),
  });
  return { dir, ms };
}
