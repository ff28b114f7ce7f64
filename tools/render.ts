/**
 * `npm run render -- <stack> [--out DIR]`: writes every Kubernetes object the stack would create
 * as YAML files in apply order (default rendered/<stack>/), evaluated offline under Pulumi's
 * mocks (tools/mocks). Secrets in the output hold fake keys only (see tools/render/render.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { UnknownStackError } from "./mocks/stack";
import { REPO_ROOT } from "./repoRoot";
import { writeManifests } from "./render/files";
import { renderStack } from "./render/render";

const USAGE = "usage: npm run render -- <stack> [--out DIR]";

async function main(): Promise<void> {
  let stack: string;
  let out: string | undefined;
  try {
    const { positionals, values } = parseArgs({
      options: { out: { type: "string" } },
      allowPositionals: true,
    });
    if (positionals.length !== 1 || positionals[0] === undefined) {
      throw new Error("name exactly one stack");
    }
    stack = positionals[0];
    out = values.out;
  } catch (error) {
    fail(`${(error as Error).message}; ${USAGE}`);
  }

  const rendering = await renderStack(stack);
  const directory = out ?? `${REPO_ROOT}/rendered/${stack}`;
  writeManifests(directory, rendering.objects);
  const skipped = rendering.skipped.map((s) => `${s.resourceName} (${s.reason})`);
  console.log(
    `${stack}: ${rendering.objects.length} objects written to ${relative(process.cwd(), directory) || "."}/` +
      (skipped.length > 0 ? `; not rendered: ${skipped.join(", ")}` : ""),
  );
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

main().catch((error: unknown) => {
  // Bad stack names and stack config give a sentence of their own; anything else is a bug.
  if (error instanceof UnknownStackError) fail(error.message);
  if (pulumi.RunError.isInstance(error)) fail(error.message);
  throw error;
});
