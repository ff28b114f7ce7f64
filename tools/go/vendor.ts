/**
 * A vendored copy of a wrapper, for a build that needs files no module zip carries inside a
 * dependency: go refuses to overlay files in the module cache, but a vendor directory is ours to
 * add to. The copy lives in the build's scratch directory; the committed wrapper stays as it is.
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { PrepareContext } from "./goTool";

/** Copies the wrapper, runs `go mod vendor` there and adds `files` (path under vendor/ -> text). */
export async function vendoredCopy(
  context: PrepareContext,
  files: Record<string, string>,
): Promise<string> {
  const dir = join(context.scratch, "module");
  cpSync(context.tool.wrapperDir, dir, {
    recursive: true,
    filter: (source) => !source.endsWith(".ts"),
  });
  // -e: go checks embed patterns while vendoring, and the files we add are missing until then.
  await context.go(["mod", "vendor", "-e"], { cwd: dir });
  for (const [path, text] of Object.entries(files)) {
    const target = join(dir, "vendor", path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return dir;
}
