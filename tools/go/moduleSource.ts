/**
 * Where go keeps the source of one module version. `go mod download -json` fetches it from the
 * module proxy the first time and answers from the module cache after that (milliseconds), so
 * callers ask for it whenever they need it instead of assuming an earlier build left it there.
 */
import { REPO_ROOT } from "../repoRoot";
import { goEnvironment } from "./environment";
import { runGo } from "./goCommand";
import type { GoTool } from "./goTool";

/** The directory a `go mod download -json <module>` answer names; an error naming go's own reason. */
export function moduleDirOf(output: string, module: string): string {
  const info = JSON.parse(output) as { Dir?: unknown; Error?: unknown };
  if (typeof info.Dir !== "string" || info.Dir === "") {
    const reason = typeof info.Error === "string" ? info.Error : "no directory in its answer";
    throw new Error(`go mod download ${module}: ${reason}`);
  }
  return info.Dir;
}

/**
 * The source directory of `module@version`, downloaded with the tool's environment: a module whose
 * go.mod asks for a newer Go than this machine's is refused by the older go, so the download uses
 * the toolchain the tool's build uses.
 */
export async function toolModuleSource(
  tool: Pick<GoTool, "env" | "toolchain">,
  moduleAtVersion: string,
): Promise<string> {
  const output = await runGo({
    args: ["mod", "download", "-json", moduleAtVersion],
    cwd: REPO_ROOT,
    env: goEnvironment(tool),
  });
  return moduleDirOf(output, moduleAtVersion);
}
