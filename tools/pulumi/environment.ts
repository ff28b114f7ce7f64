/**
 * The environment in which the locally built `pulumi` runs without any network: our CLI first
 * on PATH, our plugin cache, the file backend in .pulumi-local/, and no plugin downloads or
 * update checks. Merge it over process.env:
 *
 *   spawn("pulumi", ["up", "--yes"], { env: { ...process.env, ...pulumiEnvironment() } });
 */
import { existsSync, mkdirSync } from "node:fs";
import { delimiter } from "node:path";
import { pathToFileURL } from "node:url";
import { LOCAL_BACKEND_DIR, PULUMI_HOME } from "./layout";
import { binaryPath, toolDir } from "../go/cache";
import { pulumiCliTool as cliTool } from "../go/pulumi/tool";

/**
 * The local stack's passphrase when the caller sets none. It protects nothing real: the local
 * stack holds only keys made for a throwaway control plane. Other stacks bring their own.
 */
export const LOCAL_STACK_PASSPHRASE = "k8s-flux-local-stack";

/**
 * The variables to merge over `base` (which supplies PATH and any passphrase already set). Also
 * creates the backend and home directories, which the CLI expects to exist.
 */
export function pulumiEnvironment(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  mkdirSync(LOCAL_BACKEND_DIR, { recursive: true });
  mkdirSync(PULUMI_HOME, { recursive: true });
  const environment: Record<string, string> = {
    // The language host is linked next to the CLI, where the CLI looks first.
    PATH: [toolDir(cliTool), base.PATH].filter(Boolean).join(delimiter),
    PULUMI_HOME,
    PULUMI_BACKEND_URL: fileBackendUrl(LOCAL_BACKEND_DIR),
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Providers found on the user's PATH would win over the pinned ones installed in PULUMI_HOME.
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  if (
    base.PULUMI_CONFIG_PASSPHRASE === undefined &&
    base.PULUMI_CONFIG_PASSPHRASE_FILE === undefined
  ) {
    environment.PULUMI_CONFIG_PASSPHRASE = LOCAL_STACK_PASSPHRASE;
  }
  return environment;
}

/** The built CLI's path; throws one actionable line when it has not been built yet. */
export function pulumiCliPath(): string {
  const cli = binaryPath(cliTool);
  if (!existsSync(cli)) {
    throw new Error(
      `the Pulumi CLI ${cliTool.version} is not built (${cli} is missing); run \`npm run tools:build -- pulumi-engine\``,
    );
  }
  return cli;
}

/**
 * The file backend in `dir`. `metadata=skip` keeps the blob library from writing a `.attrs` file
 * beside each state file: it rewrites that file in place, so a command killed at that moment
 * leaves it empty, and every later command stops at "failed to load checkpoint: EOF". The state
 * files themselves are written whole to a temporary file and renamed.
 */
export function fileBackendUrl(dir: string): string {
  return `${pathToFileURL(dir).href}?metadata=skip`;
}
