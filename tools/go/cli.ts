/**
 * `npm run tools:build [-- [--repin] [--list] [name|group ...]]`: builds the Go-built tools from
 * the Go module proxy with this machine's Go, through our wrapper modules, into the per-user
 * cache (tools/go/cache.ts). With no names it builds what the test stages need; a tool already
 * built from today's inputs is reused. It prints how long each took, and while a build runs,
 * its progress every 30 s.
 */
import { relative } from "node:path";
import {
  parseCommandLine,
  runCommand,
  UsageError,
  type CommandText,
  type Failure,
  type Parsed,
} from "../cliArgs";
import { BuildError, buildTool } from "./build";
import {
  linkIntoRepository,
  readBuildTimes,
  removeStalePartials,
  REPO_TOOLS_LINK,
  toolDir,
  toolsCacheRoot,
} from "./cache";
import { REPO_ROOT } from "../repoRoot";
import { GO_MISSING, GoCommandError, adviceFor, localGoRelease } from "./goCommand";
import type { GoTool } from "./goTool";
import { duration } from "./progress";
import {
  allTools,
  defaultSelection,
  groups,
  SelectionError,
  selectTools,
  wrapperSharers,
} from "./registry";
import { repinWrapper } from "./repin";
import { completeOlderStamp, isBuilt } from "./reuse";

export const TOOLS_BUILD_COMMAND: CommandText = {
  name: "tools:build",
  usage: `Build the Go-built tools from the Go module proxy with this machine's Go, into the per-user
cache; a tool already built from today's inputs is reused. docs/development/tools.md has more.

Usage:
  npm run tools:build [-- NAME ...]
  npm run tools:build -- --list [NAME ...]
  npm run tools:build -- --repin NAME ...

  NAME          a tool or a group (default: ${defaultSelection.join(", ")})
  --list        list the tools (all, or those named) with their last build time, and the groups
  --repin       rewrite the named tools' wrapper go.mod and go.sum from the proxy, then build
  -h, --help    show this help

Exit codes: 0 built or reused, 1 a build failed, 2 bad arguments.
`,
};

const PREFIX = `${TOOLS_BUILD_COMMAND.name}:`;

const print = (line: string): void => console.log(`${PREFIX} ${line}`);

type Outcome =
  | { kind: "reused" }
  | { kind: "built"; ms: number }
  | { kind: "skipped"; why: string }
  | { kind: "failed"; why: string };

export function outcomeText(outcome: Outcome): string {
  switch (outcome.kind) {
    case "reused":
      return "reused";
    case "built":
      return `built in ${duration(outcome.ms)}`;
    case "skipped":
      return `skipped: ${outcome.why}`;
    case "failed":
      return "FAILED";
  }
}

export type ToolsBuildRequest =
  | { readonly action: "list"; readonly tools: readonly GoTool[]; readonly everything: boolean }
  | { readonly action: "build"; readonly tools: readonly GoTool[]; readonly repin: boolean };

export function parseToolsBuildArgs(argv: readonly string[]): Parsed<ToolsBuildRequest> {
  const line = parseCommandLine(
    argv,
    { repin: { type: "boolean" }, list: { type: "boolean" } },
    { positionals: true },
  );
  if (line.help) return line;
  const names = [...line.positionals];
  const { list = false, repin = false } = line.flags;
  if (list && repin) throw new UsageError("--list and --repin do not go together");
  // With no names the default set would be repinned: three wrappers rewritten by a typo.
  if (repin && names.length === 0) {
    throw new UsageError("--repin needs the names of the tools or groups to repin");
  }
  let tools: GoTool[];
  try {
    tools = selectTools(names);
  } catch (error) {
    if (error instanceof SelectionError) throw new UsageError(error.message);
    throw error;
  }
  return list
    ? {
        help: false,
        action: "list",
        tools: names.length === 0 ? allTools : tools,
        everything: names.length === 0,
      }
    : { help: false, action: "build", tools, repin };
}

function listTools(root: string, tools: readonly GoTool[], everything: boolean): void {
  const times = readBuildTimes(root);
  for (const tool of tools) {
    const last = times[tool.name];
    const took = last ? `; last build ${duration(last.seconds * 1000)} (${last.version})` : "";
    console.log(`${tool.name} ${tool.version}: ${tool.purpose}${took}`);
  }
  if (everything) {
    for (const [name, members] of Object.entries(groups)) {
      console.log(`group ${name}: ${members.join(", ")}`);
    }
    console.log(`default: ${defaultSelection.join(", ")}`);
  }
  console.log(`cache: ${root}`);
}

async function repin(tools: readonly GoTool[]): Promise<void> {
  const done = new Set<string>();
  for (const tool of tools) {
    if (done.has(tool.wrapperDir)) continue;
    done.add(tool.wrapperDir);
    const sharers = wrapperSharers(tool);
    print(
      `repinning ${relative(REPO_ROOT, tool.wrapperDir)} for ${sharers.map((t) => t.name).join(", ")}`,
    );
    await repinWrapper(sharers, print);
    print(`rewrote ${relative(REPO_ROOT, tool.wrapperDir)}/go.mod and go.sum; commit both`);
  }
}

async function install(
  tools: readonly GoTool[],
  root: string,
  localGo: string | undefined,
): Promise<void> {
  const builtDir = (name: string): string | undefined => {
    const tool = allTools.find((candidate) => candidate.name === name);
    if (!tool) return undefined;
    const dir = toolDir(tool, root);
    return isBuilt(tool, dir, localGo) ? dir : undefined;
  };
  for (const tool of tools) await tool.install?.({ builtDir, print });
}

async function main(request: ToolsBuildRequest): Promise<void> {
  const root = toolsCacheRoot();
  if (request.action === "list") {
    listTools(root, request.tools, request.everything);
    return;
  }
  const { tools } = request;
  for (const removed of removeStalePartials(root))
    print(`removed ${removed}, an interrupted build`);
  if (!linkIntoRepository(root)) {
    print(
      `${relative(REPO_ROOT, REPO_TOOLS_LINK)} is a directory of its own; the builds are in ${root}`,
    );
  }
  if (request.repin) await repin(tools);

  const localGo = await localGoRelease(REPO_ROOT);
  const outcomes = new Map<GoTool, Outcome>();
  const pending: GoTool[] = [];
  for (const tool of tools) {
    const dir = toolDir(tool, root);
    if (tool.unbuildable) {
      outcomes.set(tool, { kind: "failed", why: tool.unbuildable });
    } else if (isBuilt(tool, dir, localGo)) {
      if (localGo !== undefined && completeOlderStamp(tool, dir, localGo)) {
        print(`${tool.name}: recorded its preparation code and go release in its build's stamp`);
      }
      outcomes.set(tool, { kind: "reused" });
    } else {
      pending.push(tool);
    }
  }

  if (pending.length > 0 && localGo === undefined) {
    for (const tool of pending.splice(0)) {
      outcomes.set(
        tool,
        tool.withoutGo
          ? { kind: "skipped", why: `no Go on PATH; ${tool.withoutGo}` }
          : { kind: "failed", why: GO_MISSING },
      );
    }
  }
  if (pending.length > 0) print(`building ${pending.map((t) => t.name).join(", ")} into ${root}`);
  const times = readBuildTimes(root);
  for (const tool of pending) {
    const last = times[tool.name];
    print(
      `building ${tool.name} ${tool.version} with ${tool.toolchain ?? localGo}` +
        (last
          ? ` (last build took ${duration(last.seconds * 1000)})`
          : " (no earlier build recorded; cold, this can take many minutes)"),
    );
    try {
      const { ms } = await buildTool(tool, root, print);
      outcomes.set(tool, { kind: "built", ms });
      print(`built ${tool.name} ${tool.version} in ${duration(ms)}`);
    } catch (error) {
      if (!(error instanceof BuildError || error instanceof GoCommandError)) throw error;
      outcomes.set(tool, { kind: "failed", why: error.message });
    }
  }

  await install(tools, root, localGo);

  const width = Math.max(...tools.map((tool) => `${tool.name} ${tool.version}`.length));
  for (const tool of tools) {
    const outcome = outcomes.get(tool) ?? { kind: "failed", why: "not attempted" };
    print(`  ${`${tool.name} ${tool.version}`.padEnd(width)}  ${outcomeText(outcome)}`);
  }
  const failures = tools.flatMap((tool) => {
    const outcome = outcomes.get(tool);
    return outcome?.kind === "failed" ? [`${tool.name}: ${outcome.why}`] : [];
  });
  // One line per tool; the command that reports it (tools:build, up:local) starts each with its name.
  if (failures.length > 0) throw new BuildError(failures.join("\n"));
}

/** A failure of the Go command, with advice from what Go printed. */
export function toolsBuildFailure(error: unknown): Failure | undefined {
  if (!(error instanceof GoCommandError)) return undefined;
  return {
    message: error.output === "" ? error.message : `${error.message}; ${adviceFor(error.output)}`,
  };
}

/**
 * Builds, or reuses, the named tools and groups as `npm run tools:build -- NAME ...` does, for a
 * command that needs them (tools/prepare.ts). What it throws says everything in its message.
 */
export async function buildTools(names: readonly string[]): Promise<void> {
  try {
    await main({ action: "build", tools: selectTools([...names]), repin: false });
  } catch (error) {
    const failure = toolsBuildFailure(error);
    throw failure ? new BuildError(failure.message, { cause: error }) : error;
  }
}

if (require.main === module) {
  runCommand(TOOLS_BUILD_COMMAND, parseToolsBuildArgs, main, {
    describeFailure: toolsBuildFailure,
  });
}
