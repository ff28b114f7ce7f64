/**
 * The reuse check, the same for every tool: a build is reused only when it was made from exactly
 * the wrapper committed now, the definition's version, environment, linker flags and binaries,
 * the TypeScript that prepares the build (a tool's prepare step and the files beside it), and
 * the same go release. Anything else builds afresh. Go's own build cache makes that rebuild
 * cheap when little changed.
 *
 * Stamps written before the preparation code and the go release were recorded hold only
 * `inputs`; such a build is judged on those, and completeOlderStamp records the rest, so that
 * the builds already in the cache are not thrown away by this check growing.
 */
import { createHash, type Hash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { goEnvironment } from "./environment";
import type { GoTool } from "./goTool";

export const STAMP = ".build.json";

const isTypeScript = (name: string): boolean => name.endsWith(".ts");

/** The files under dir whose names are wanted, by path under it, in a fixed order. */
function filesUnder(dir: string, wanted: (name: string) => boolean, root: string = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(path, wanted, root);
      return wanted(entry.name) ? [relative(root, path)] : [];
    });
}

function hashFiles(hash: Hash, dir: string, files: string[]): void {
  for (const file of files) {
    hash.update(`file ${file}\n`);
    hash.update(readFileSync(join(dir, file)));
    hash.update("\n");
  }
}

/** The digest of the wrapper's files that go reads (all but our .ts) and the definition's data. */
export function buildInputsDigest(tool: GoTool): string {
  const hash = createHash("sha256");
  const goReads = filesUnder(tool.wrapperDir, (name) => !isTypeScript(name));
  hashFiles(hash, tool.wrapperDir, goReads);
  const definition = {
    version: tool.version,
    env: goEnvironment(tool),
    ldflags: tool.ldflags ?? [],
    binaries: tool.binaries,
  };
  hash.update(`definition ${JSON.stringify(definition)}`);
  return hash.digest("hex");
}

/**
 * The digest of the TypeScript that runs before `go build`: for a tool with a prepare step, every
 * .ts file in its folder (the step in tool.ts and what it calls there, such as embeds.ts). A tool
 * without one is built from its definition's data alone, so an edit of its tool.ts reuses.
 */
export function preparationDigest(tool: GoTool): string {
  const hash = createHash("sha256");
  if (tool.prepare) hashFiles(hash, tool.wrapperDir, filesUnder(tool.wrapperDir, isTypeScript));
  return hash.digest("hex");
}

/** The go release a build uses: the tool's own toolchain, else this machine's go. */
export function goRelease(tool: GoTool, localGo: string): string {
  return tool.toolchain ?? localGo;
}

interface Stamp {
  version: string;
  inputs: string;
  /** Absent from stamps written before they were recorded. */
  preparation?: string;
  go?: string;
}

function readStamp(dir: string): Partial<Stamp> | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP), "utf8")) as Partial<Stamp>;
  } catch {
    return undefined;
  }
}

/** Records what the build in `dir` was made from; localGo is `go env GOVERSION` here. */
export function writeStamp(dir: string, tool: GoTool, localGo: string): void {
  const stamp: Stamp = {
    version: tool.version,
    inputs: buildInputsDigest(tool),
    preparation: preparationDigest(tool),
    go: goRelease(tool, localGo),
  };
  // Written aside and renamed: another clone may be reading the stamp of a build in use.
  const aside = join(dir, `${STAMP}.${process.pid}`);
  writeFileSync(aside, `${JSON.stringify(stamp, null, 2)}\n`);
  renameSync(aside, join(dir, STAMP));
}

/**
 * Built from exactly today's inputs: every binary present and the stamp matching. Without go on
 * this machine (localGo undefined) nothing could rebuild it, so the go release is not compared.
 */
export function isBuilt(tool: GoTool, dir: string, localGo: string | undefined): boolean {
  const stamp = readStamp(dir);
  if (!stamp || stamp.inputs !== buildInputsDigest(tool)) return false;
  if (stamp.preparation !== undefined && stamp.preparation !== preparationDigest(tool)) {
    return false;
  }
  if (stamp.go !== undefined && localGo !== undefined && stamp.go !== goRelease(tool, localGo)) {
    return false;
  }
  return Object.keys(tool.binaries).every((binary) => existsSync(join(dir, binary)));
}

/**
 * Adds the preparation digest and go release to a stamp written before they were recorded, for a
 * build isBuilt reuses: from then on, editing the preparation code or changing go rebuilds it.
 * True when the stamp was completed.
 */
export function completeOlderStamp(tool: GoTool, dir: string, localGo: string): boolean {
  const stamp = readStamp(dir);
  if (!stamp || (stamp.preparation !== undefined && stamp.go !== undefined)) return false;
  if (!isBuilt(tool, dir, localGo)) return false;
  writeStamp(dir, tool, localGo);
  return true;
}
