/**
 * Installing our provider builds into PULUMI_HOME with `pulumi plugin install --file`, so the
 * engine finds the exact versions the SDKs ask for and never tries to download them.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { pulumiEnvironment } from "./environment";
import { PULUMI_HOME } from "./layout";
import { REPO_ROOT } from "../repoRoot";
import { binaryPath } from "../go/cache";
import type { GoTool } from "../go/goTool";
import { pulumiCliTool as cliTool } from "../go/pulumi/tool";

const run = promisify(execFile);

function digest(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Where the CLI keeps an installed resource plugin's binary. */
export function installedPluginPath(name: string, version: string): string {
  return join(PULUMI_HOME, "plugins", `resource-${name}-v${version}`, `pulumi-resource-${name}`);
}

function isInstalled(tool: GoTool): boolean {
  if (!tool.plugin) return false;
  const installed = installedPluginPath(tool.plugin.name, tool.plugin.version);
  const built = binaryPath(tool);
  return existsSync(installed) && existsSync(built) && digest(installed) === digest(built);
}

/** Providers whose installed binary is exactly the one built. */
export function currentlyInstalled(tools: GoTool[]): GoTool[] {
  return tools.filter(isInstalled);
}

export function describePlugins(tools: GoTool[]): string {
  return tools.map((tool) => `${tool.plugin?.name} ${tool.plugin?.version}`).join(" and ");
}

/** Installs every provider not yet installed as built, reporting each one. */
export async function installProviders(
  tools: GoTool[],
  log: (line: string) => void,
): Promise<void> {
  const current = currentlyInstalled(tools);
  for (const tool of tools.filter((candidate) => !current.includes(candidate))) {
    const plugin = tool.plugin;
    if (!plugin) continue;
    try {
      await run(
        binaryPath(cliTool),
        [
          "plugin",
          "install",
          "resource",
          plugin.name,
          plugin.version,
          "--file",
          binaryPath(tool),
          "--reinstall",
        ],
        { env: { ...process.env, ...pulumiEnvironment() } },
      );
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").at(-1);
      throw new Error(
        `pulumi plugin install resource ${plugin.name} ${plugin.version} failed: ${stderr ?? String(error)}`,
        { cause: error },
      );
    }
    log(`installed ${describePlugins([tool])} into ${relative(REPO_ROOT, PULUMI_HOME)}`);
  }
}
