/**
 * Files the providers embed with go:embed but no module zip carries: upstream generates them at
 * build time. We generate them into a scratch directory and hand them to `go build -overlay`, so
 * nothing generated ever lands next to the committed wrapper sources.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { runGo } from "./go";
import {
  KUBERNETES_PROVIDER_MODULE,
  kubernetesProviderTool,
  tlsProviderTool,
  type GoTool,
} from "./tools";

const run = promisify(execFile);

/** Where go keeps the downloaded source of a module the wrapper requires. */
async function moduleSourceDir(tool: GoTool, module: string): Promise<string> {
  const output = await runGo({
    args: ["mod", "download", "-json", module],
    cwd: tool.wrapperDir,
  });
  const info = JSON.parse(output) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}: ${info.Error ?? "no directory"}`);
  return info.Dir;
}

/** The provider's schema with its release stamped in, and its Terraform mapping, both compacted. */
async function kubernetesEmbeds(tool: GoTool, scratch: string): Promise<Record<string, string>> {
  const source = join(
    await moduleSourceDir(tool, KUBERNETES_PROVIDER_MODULE),
    "cmd",
    "pulumi-resource-kubernetes",
  );
  const schema = JSON.parse(readFileSync(join(source, "schema.json"), "utf8")) as Record<
    string,
    unknown
  >;
  schema.version = tool.plugin?.version;
  const mapping: unknown = JSON.parse(readFileSync(join(source, "terraform-mapping.json"), "utf8"));
  const files = {
    "schema-embed.json": JSON.stringify(schema),
    "terraform-mapping-embed.json": JSON.stringify(mapping),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(scratch, name), text);
  return Object.fromEntries(
    Object.keys(files).map((name) => [join(tool.wrapperDir, name), join(scratch, name)]),
  );
}

/** schema.json and bridge-metadata.json, written by our tfgen from the same provider mapping. */
async function tlsEmbeds(
  tool: GoTool,
  scratch: string,
  ldflags: string,
): Promise<Record<string, string>> {
  const tfgen = join(scratch, "pulumi-tfgen-tls");
  await runGo({
    args: [
      "build",
      "-mod=readonly",
      "-trimpath",
      "-ldflags",
      ldflags,
      "-o",
      tfgen,
      "./cmd/pulumi-tfgen-tls",
    ],
    cwd: tool.wrapperDir,
    env: { CGO_ENABLED: "0" },
  });
  const out = join(scratch, "schema");
  // Converted docs and examples only serve generated SDKs, and ours comes from npm.
  await run(tfgen, ["schema", "--out", out, "--skip-docs", "--skip-examples"], {
    cwd: tool.wrapperDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  const providerDir = join(tool.wrapperDir, "cmd", "pulumi-resource-tls");
  return {
    [join(providerDir, "schema.json")]: join(out, "schema.json"),
    [join(providerDir, "bridge-metadata.json")]: join(out, "bridge-metadata.json"),
  };
}

/**
 * Writes the generated files for a tool into scratch and returns the path of the overlay file
 * for `go build -overlay`, or undefined when the tool embeds nothing generated.
 */
export async function prepareEmbeds(
  tool: GoTool,
  scratch: string,
  ldflags: string,
): Promise<string | undefined> {
  let replace: Record<string, string>;
  if (tool.name === kubernetesProviderTool.name) replace = await kubernetesEmbeds(tool, scratch);
  else if (tool.name === tlsProviderTool.name) replace = await tlsEmbeds(tool, scratch, ldflags);
  else return undefined;
  const overlay = join(scratch, "overlay.json");
  writeFileSync(overlay, JSON.stringify({ Replace: replace }));
  return overlay;
}
