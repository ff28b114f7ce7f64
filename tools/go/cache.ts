/**
 * Where built tools live: a per-user cache outside the repository, one directory per tool and
 * version, so every clone on this machine shares the builds. A build writes into a partial
 * directory named with its pid and renames it when done, so a directory that exists is complete.
 *
 *   ${K8S_FLUX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-flux/tools}/<name>-<version>/
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { isRunning } from "../control-plane/processes";
import type { GoTool } from "./goTool";
import { REPO_ROOT } from "../repoRoot";

/** `.cache/tools` in the repository: a link to the cache, for finding the builds by hand. */
export const REPO_TOOLS_LINK = join(REPO_ROOT, ".cache", "tools");

export function toolsCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K8S_FLUX_TOOLS_CACHE) return env.K8S_FLUX_TOOLS_CACHE;
  const cacheHome = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(cacheHome, "k8s-flux", "tools");
}

export function toolDir(tool: Pick<GoTool, "name" | "version">, root = toolsCacheRoot()): string {
  return join(root, `${tool.name}-${tool.version}`);
}

export function binaryPath(tool: GoTool, binary: string = tool.name, root?: string): string {
  return join(toolDir(tool, root), binary);
}

/** Where the output of a failed build is kept, beside the directory it was meant to produce. */
export function buildLogPath(dir: string): string {
  return `${dir}.build.log`;
}

const PARTIAL = ".partial-";

export function partialDir(dir: string, pid: number = process.pid): string {
  return `${dir}${PARTIAL}${pid}`;
}

/**
 * Removes the partial directories of builds that were interrupted, i.e. whose pid no longer
 * runs, for every tool in the cache. Returns the names it removed.
 */
export function removeStalePartials(root: string, alive: (pid: number) => boolean = isRunning) {
  if (!existsSync(root)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(root)) {
    const at = entry.lastIndexOf(PARTIAL);
    if (at < 0) continue;
    const pid = Number(entry.slice(at + PARTIAL.length));
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    rmSync(join(root, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}

/** Moves a finished partial directory into place, replacing what was there. */
export function publish(partial: string, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
}

export interface BuildTime {
  version: string;
  seconds: number;
  /** When the build finished, ISO 8601. */
  finished: string;
}

const BUILD_TIMES = "build-times.json";

/** The last build of each tool, by name: what progress lines compare the running build with. */
export function readBuildTimes(root: string): Record<string, BuildTime> {
  try {
    const parsed = JSON.parse(readFileSync(join(root, BUILD_TIMES), "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, BuildTime>)
      : {};
  } catch {
    return {};
  }
}

export function recordBuildTime(root: string, name: string, time: BuildTime): void {
  const times = { ...readBuildTimes(root), [name]: time };
  mkdirSync(root, { recursive: true });
  // Another clone may read it at any moment: write aside, then rename over.
  const temporary = join(root, `${BUILD_TIMES}${PARTIAL}${process.pid}`);
  writeFileSync(temporary, `${JSON.stringify(times, null, 2)}\n`);
  renameSync(temporary, join(root, BUILD_TIMES));
}

/**
 * Points `link` at the cache when nothing of value is in the way: absent, a link, or an empty
 * directory. Returns whether the link now points there.
 */
export function linkIntoRepository(root: string, link: string = REPO_TOOLS_LINK): boolean {
  let stat;
  try {
    stat = lstatSync(link);
  } catch {
    stat = undefined;
  }
  if (stat?.isDirectory()) {
    if (readdirSync(link).length > 0) return false;
    rmSync(link, { recursive: true });
  } else if (stat) {
    rmSync(link);
  }
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(root, link);
  return true;
}
