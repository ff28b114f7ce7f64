/**
 * Where the locally built Pulumi engine, its plugins and the local stack's state live. All of it
 * is git-ignored: .cache/ holds what a build can make again, .pulumi-local/ holds stack state.
 */
import { join } from "node:path";

export const REPO_ROOT = join(__dirname, "..", "..");
export const TOOLS_ROOT = join(REPO_ROOT, ".cache", "tools");

/** PULUMI_HOME: the plugin cache our providers are installed into, and the CLI's own settings. */
export const PULUMI_HOME = join(REPO_ROOT, ".cache", "pulumi-home");

/** The file backend's directory; PULUMI_BACKEND_URL points here. */
export const LOCAL_BACKEND_DIR = join(REPO_ROOT, ".pulumi-local");

/** Build logs of failed builds, next to the tools they were meant to produce. */
export function buildLogPath(toolDirectory: string): string {
  return `${toolDirectory}.build.log`;
}
