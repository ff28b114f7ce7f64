/**
 * schema.json and bridge-metadata.json, which the tls provider embeds: our tfgen writes them from
 * the same provider mapping at build time, into the build's scratch directory, and
 * `go build -overlay` puts them in place, so nothing generated lands next to the wrapper sources.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { goBuildArgs } from "../environment";
import type { PrepareContext } from "../goTool";

const run = promisify(execFile);

export async function tlsProviderEmbeds(context: PrepareContext): Promise<Record<string, string>> {
  const tfgen = join(context.scratch, "pulumi-tfgen-tls");
  await context.go(
    goBuildArgs({ output: tfgen, pkg: "./cmd/pulumi-tfgen-tls", ldflags: context.ldflags }),
    { step: "go build pulumi-tfgen-tls" },
  );
  const out = join(context.scratch, "schema");
  context.step("pulumi-tfgen-tls schema");
  // Converted docs and examples only serve generated SDKs, and ours comes from npm.
  await run(tfgen, ["schema", "--out", out, "--skip-docs", "--skip-examples"], {
    cwd: context.tool.wrapperDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  const providerDir = join(context.tool.wrapperDir, "cmd", "pulumi-resource-tls");
  return {
    [join(providerDir, "schema.json")]: join(out, "schema.json"),
    [join(providerDir, "bridge-metadata.json")]: join(out, "bridge-metadata.json"),
  };
}
