/**
 * The Automation API's LocalWorkspace over the project, driving the locally built Pulumi CLI in
 * the environment of tools/pulumi/environment.ts: no network, our plugin cache, and the local
 * file backend unless the caller names a backend of their own in PULUMI_BACKEND_URL.
 *
 * The CLI is reached through a one-line wrapper that starts it in a session of its own
 * (setsid). A terminal's Ctrl-C then reaches the fleet alone, which passes it on exactly once
 * through the Automation API's abort signal: a CLI that received it twice, once from the
 * terminal and once from us, would stop at once instead of finishing what it had begun.
 */
import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { pulumiCliPath, pulumiEnvironment } from "../pulumi/environment";
import { REPO_ROOT } from "../repoRoot";

/** Where the wrapper is written; git-ignored, like everything a run can make again. */
const WRAPPER_ROOT = join(REPO_ROOT, ".cache", "fleet", "pulumi");

export interface FleetWorkspaceOptions {
  /** The project directory: Pulumi.yaml and every Pulumi.<stack>.yaml. */
  readonly workDir: string;
  /** Marks every process the CLI starts, so that none can be left behind unnoticed. */
  readonly processMark: Readonly<Record<string, string>>;
  readonly env?: NodeJS.ProcessEnv;
}

/** The variables every command gets: the local engine's, with the caller's backend kept. */
export function fleetEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const environment = pulumiEnvironment(env);
  if (env.PULUMI_BACKEND_URL) environment.PULUMI_BACKEND_URL = env.PULUMI_BACKEND_URL;
  return environment;
}

/** Writes the wrapper (by rename, as another run may be starting it) and returns its root. */
function writeCliWrapper(): string {
  const bin = join(WRAPPER_ROOT, "bin");
  mkdirSync(bin, { recursive: true });
  const cli = pulumiCliPath().replaceAll("'", "'\\''");
  const partial = join(bin, `pulumi.${process.pid}`);
  writeFileSync(partial, `#!/bin/sh\nexec setsid '${cli}' "$@"\n`);
  chmodSync(partial, 0o755);
  renameSync(partial, join(bin, "pulumi"));
  return WRAPPER_ROOT;
}

export async function fleetWorkspace(options: FleetWorkspaceOptions): Promise<LocalWorkspace> {
  const env = options.env ?? process.env;
  const pulumiCommand = await PulumiCommand.get({ root: writeCliWrapper() });
  return LocalWorkspace.create({
    workDir: options.workDir,
    pulumiCommand,
    envVars: { ...fleetEnvironment(env), ...options.processMark },
  });
}
