/**
 * `npm run render -- <stack> [--out DIR]`: writes every Kubernetes object the stack would create
 * as YAML files in apply order (default rendered/<stack>/), evaluated offline under Pulumi's
 * mocks (tools/mocks). Secrets in the output hold fake keys only (see tools/render/render.ts).
 */
import { join } from "node:path";
import { runCommand } from "./cliArgs";
import { stackFileConfig } from "./mocks/stack";
import { fileProblem, outputDirectoryProblem } from "./problems";
import { REPO_ROOT } from "./repoRoot";
import { parseRenderArgs, RENDER_COMMAND, type RenderOptions } from "./render/args";
import { writeManifests } from "./render/files";
import { renderStack } from "./render/render";
import { shownPath, userDirectory } from "./userDirectory";

const userDir = userDirectory(RENDER_COMMAND.name);

async function main({ stack, out }: RenderOptions): Promise<void> {
  const directory = out ?? join(REPO_ROOT, "rendered", stack);
  const shown = shownPath(directory, userDir);
  // Before rendering, which takes seconds, and before anything is written.
  // The stack first: a name no stack has is told as that, not as the directory named after it.
  stackFileConfig(stack);
  const problem = outputDirectoryProblem(directory);
  if (problem) throw new Error(`cannot write to ${shown}: ${problem}`);

  const rendering = await renderStack(stack);
  try {
    writeManifests(directory, rendering.objects);
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    if (code === undefined) throw error;
    throw new Error(
      `cannot write to ${shownPath(path ?? directory, userDir)}: ${fileProblem(error)}`,
      { cause: error },
    );
  }
  const skipped = rendering.skipped.map((s) => `${s.resourceName} (${s.reason})`);
  console.log(
    `${stack}: ${rendering.objects.length} objects written to ${shown}/` +
      (skipped.length > 0 ? `; not rendered: ${skipped.join(", ")}` : ""),
  );
}

runCommand(RENDER_COMMAND, (argv) => parseRenderArgs(argv, userDir), main);
