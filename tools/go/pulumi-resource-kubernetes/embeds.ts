/**
 * Files the kubernetes provider embeds with go:embed but no module zip carries: upstream
 * generates them at build time. We write them into the build's scratch directory and hand them to
 * `go build -overlay`, so nothing generated ever lands next to the committed wrapper sources.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrepareContext } from "../goTool";
import { moduleDirOf } from "../moduleSource";

/** Where go keeps the downloaded source of a module the wrapper requires. */
export async function moduleSourceDir(context: PrepareContext, module: string): Promise<string> {
  const output = await context.go(["mod", "download", "-json", module], {
    step: `go mod download ${module}`,
  });
  return moduleDirOf(output, module);
}

/** The provider's schema with its release stamped in, and its Terraform mapping, both compacted. */
export async function kubernetesProviderEmbeds(
  context: PrepareContext,
  providerModule: string,
  pluginVersion: string,
): Promise<Record<string, string>> {
  const source = join(
    await moduleSourceDir(context, providerModule),
    "cmd",
    "pulumi-resource-kubernetes",
  );
  context.step("writing the embedded schema");
  const schema = JSON.parse(readFileSync(join(source, "schema.json"), "utf8")) as Record<
    string,
    unknown
  >;
  schema.version = pluginVersion;
  const mapping: unknown = JSON.parse(readFileSync(join(source, "terraform-mapping.json"), "utf8"));
  const files = {
    "schema-embed.json": JSON.stringify(schema),
    "terraform-mapping-embed.json": JSON.stringify(mapping),
  };
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(context.scratch, name), text);
  return Object.fromEntries(
    Object.keys(files).map((name) => [
      join(context.tool.wrapperDir, name),
      join(context.scratch, name),
    ]),
  );
}
