/**
 * `npx tsx tools/pulumi/build.ts [--repin]`: builds the Pulumi CLI, its Node.js language host
 * and the kubernetes and tls providers from the Go module proxy with this machine's Go, into
 * .cache/tools/<name>-<version>/, then installs the providers into .cache/pulumi-home so that
 * `pulumi` (see environment.ts) never needs the network. A second run reuses what is there.
 */
import { rmSync, symlinkSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { toolVersions } from "../../components/versions";
import { GoError } from "./go";
import { BuildError, buildTool, isBuilt } from "./goBuild";
import { PULUMI_HOME, REPO_ROOT } from "./layout";
import { currentlyInstalled, describePlugins, installProviders } from "./plugins";
import {
  allTools,
  binaryPath,
  cliTool,
  kubernetesProviderModuleVersion,
  kubernetesProviderTool,
  languageHostTool,
  toolDir,
  type GoTool,
} from "./tools";
import { checkWrapper, repinWrapper } from "./wrappers";

const PREFIX = "pulumi:build:";

/**
 * The CLI looks for its language hosts next to its own binary before anything else, and warns
 * when one comes from elsewhere; a link puts ours there.
 */
function linkLanguageHost(): void {
  const link = binaryPath(cliTool, "pulumi-language-nodejs");
  const target = relative(toolDir(cliTool), binaryPath(languageHostTool));
  rmSync(link, { force: true });
  symlinkSync(target, link);
}

function parseOptions(): { repin: boolean } {
  try {
    const { values } = parseArgs({ options: { repin: { type: "boolean" } } });
    return { repin: values.repin ?? false };
  } catch (error) {
    throw new BuildError(
      `${(error as Error).message}; usage: npx tsx tools/pulumi/build.ts [--repin]`,
    );
  }
}

/** Tools whose pins cannot build at all, with the line that says so. */
function unbuildable(): Map<GoTool, string> {
  const problems = new Map<GoTool, string>();
  if (!kubernetesProviderModuleVersion()) {
    const known = Object.keys(toolVersions.pulumiKubernetesProvider.moduleVersions).join(", ");
    problems.set(
      kubernetesProviderTool,
      `@pulumi/kubernetes ${toolVersions.pulumiKubernetesProvider.version} in package.json has no provider ` +
        `module the Go module proxy serves; pin @pulumi/kubernetes to ${known} or add its module ` +
        "version to toolVersions.pulumiKubernetesProvider in components/versions.ts",
    );
  }
  return problems;
}

async function main(): Promise<void> {
  const { repin } = parseOptions();
  const failures: string[] = [];
  const skipped = unbuildable();
  failures.push(...skipped.values());
  const tools = allTools.filter((tool) => !skipped.has(tool));

  if (repin) {
    for (const tool of tools) await repinWrapper(tool);
    console.log(
      `${PREFIX} repinned ${tools.map((tool) => relative(REPO_ROOT, tool.wrapperDir)).join(", ")}`,
    );
  }
  const wrapperFailures = new Map(
    tools.map((tool) => [tool, checkWrapper(tool)] as const).filter(([, problem]) => problem),
  );
  failures.push(...(wrapperFailures.values() as Iterable<string>));

  const buildable = tools.filter((tool) => !wrapperFailures.has(tool));
  const reused = buildable.filter(isBuilt);
  const providers = buildable.filter((tool) => tool.plugin);
  if (reused.length > 0) {
    const dirs = reused.map((tool) => relative(REPO_ROOT, toolDir(tool))).join(", ");
    const installed = reused.includes(cliTool) ? currentlyInstalled(providers) : [];
    const plugins =
      installed.length > 0
        ? `; ${describePlugins(installed)} already installed in ${relative(REPO_ROOT, PULUMI_HOME)}`
        : "";
    console.log(`${PREFIX} reusing ${dirs} (remove a directory to rebuild it)${plugins}`);
  }
  for (const tool of buildable.filter((tool) => !reused.includes(tool))) {
    try {
      await buildTool(tool, (line) => console.log(`${PREFIX} ${line}`));
    } catch (error) {
      if (!(error instanceof BuildError)) throw error;
      failures.push(error.message);
    }
  }

  const built = buildable.filter(isBuilt);
  if (built.includes(cliTool) && built.includes(languageHostTool)) linkLanguageHost();
  if (built.includes(cliTool)) {
    await installProviders(
      providers.filter((tool) => built.includes(tool)),
      (line) => console.log(`${PREFIX} ${line}`),
    );
  }

  if (failures.length > 0) throw new BuildError(failures.join(`\n${PREFIX} `));
}

main().catch((error: unknown) => {
  const message =
    error instanceof BuildError || error instanceof GoError
      ? error.message
      : String((error as Error).stack ?? error);
  console.error(`${PREFIX} ${message}`);
  process.exitCode = 1;
});
