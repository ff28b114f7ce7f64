/**
 * `npm run tools:build [-- [--repin] [--list] [name|group ...]]`: builds the Go-built tools from
 * the Go module proxy with this machine's Go, through our wrapper modules, into the per-user
 * cache (tools/go/cache.ts). With no names it builds what the test stages need; a tool already
 * built from today's inputs is reused. It prints how long each took, and while a build runs,
 * its progress every 30 s.
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
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

const PREFIX = "tools:build:";
const USAGE = "usage: npm run tools:build [-- [--repin] [--list] [name|group ...]]";

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

function listTools(root: string): void {
  const times = readBuildTimes(root);
  for (const tool of allTools) {
    const last = times[tool.name];
    const took = last ? `; last build ${duration(last.seconds * 1000)} (${last.version})` : "";
    console.log(`${tool.name} ${tool.version}: ${tool.purpose}${took}`);
  }
  for (const [name, members] of Object.entries(groups)) {
    console.log(`group ${name}: ${members.join(", ")}`);
  }
  console.log(`default: ${defaultSelection.join(", ")}`);
  console.log(`cache: ${root}`);
}

async function repin(tools: GoTool[]): Promise<void> {
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

async function install(tools: GoTool[], root: string, localGo: string | undefined): Promise<void> {
  const builtDir = (name: string): string | undefined => {
    const tool = allTools.find((candidate) => candidate.name === name);
    if (!tool) return undefined;
    const dir = toolDir(tool, root);
    return isBuilt(tool, dir, localGo) ? dir : undefined;
  };
  for (const tool of tools) await tool.install?.({ builtDir, print });
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: { repin: { type: "boolean" }, list: { type: "boolean" } },
      allowPositionals: true,
    });
  } catch (error) {
    throw new SelectionError(`${(error as Error).message}; ${USAGE}`);
  }
  const root = toolsCacheRoot();
  if (parsed.values.list) {
    listTools(root);
    return;
  }
  const tools = selectTools(parsed.positionals);
  for (const removed of removeStalePartials(root))
    print(`removed ${removed}, an interrupted build`);
  if (!linkIntoRepository(root)) {
    print(
      `${relative(REPO_ROOT, REPO_TOOLS_LINK)} is a directory of its own; the builds are in ${root}`,
    );
  }
  if (parsed.values.repin) await repin(tools);

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
  if (failures.length > 0) throw new BuildError(failures.join(`\n${PREFIX} `));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    let message: string;
    if (error instanceof GoCommandError) {
      message =
        error.output === "" ? error.message : `${error.message}; ${adviceFor(error.output)}`;
    } else if (error instanceof BuildError || error instanceof SelectionError) {
      message = error.message;
    } else {
      message = String((error as Error).stack ?? error);
    }
    console.error(`${PREFIX} ${message}`);
    process.exitCode = 1;
  });
}
