/**
 * The reuse check, the same for every tool: a build is reused only when it was made from exactly
 * the wrapper committed now and the definition's version, environment, linker flags and
 * binaries. Anything else builds afresh. Go's own build cache makes that rebuild cheap when
 * little changed.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { goEnvironment } from "./environment";
import type { GoTool } from "./goTool";

export const STAMP = ".build.json";

/** Files of the wrapper that go reads; the TypeScript definition beside them is not one. */
function wrapperFiles(dir: string, root: string = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return wrapperFiles(path, root);
      return entry.name.endsWith(".ts") ? [] : [relative(root, path)];
    });
}

/** The digest of everything that decides what a build of this tool produces. */
export function buildInputsDigest(tool: GoTool): string {
  const hash = createHash("sha256");
  for (const file of wrapperFiles(tool.wrapperDir)) {
    hash.update(`file ${file}\n`);
    hash.update(readFileSync(join(tool.wrapperDir, file)));
    hash.update("\n");
  }
  const definition = {
    version: tool.version,
    env: goEnvironment(tool),
    ldflags: tool.ldflags ?? [],
    binaries: tool.binaries,
  };
  hash.update(`definition ${JSON.stringify(definition)}`);
  return hash.digest("hex");
}

interface Stamp {
  version: string;
  inputs: string;
}

export function writeStamp(dir: string, tool: GoTool): void {
  const stamp: Stamp = { version: tool.version, inputs: buildInputsDigest(tool) };
  writeFileSync(join(dir, STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
}

/** Built from exactly today's inputs: every binary present and the stamp matching. */
export function isBuilt(tool: GoTool, dir: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP), "utf8")) as Partial<Stamp>;
    return (
      stamp.inputs === buildInputsDigest(tool) &&
      Object.keys(tool.binaries).every((binary) => existsSync(join(dir, binary)))
    );
  } catch {
    return false;
  }
}
