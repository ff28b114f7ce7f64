/**
 * A built resource provider is useful only once the built CLI has installed it into PULUMI_HOME
 * (tools/pulumi/plugins.ts), so the engine never tries to download it.
 */
import { installProviders } from "../../pulumi/plugins";
import type { GoTool, InstallContext } from "../goTool";

export async function installPlugin(tool: GoTool, context: InstallContext): Promise<void> {
  if (!tool.plugin || !context.builtDir(tool.name)) return;
  if (!context.builtDir("pulumi")) {
    context.print(
      `${tool.name}: not installed as a plugin yet; the pulumi CLI is not built (npm run tools:build -- pulumi)`,
    );
    return;
  }
  await installProviders([tool], context.print);
}
