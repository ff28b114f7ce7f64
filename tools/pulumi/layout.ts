/**
 * Where the local Pulumi engine keeps its plugins and the local stack's state. Both are
 * git-ignored: .cache/ holds what a build can make again, .pulumi-local/ holds stack state. The
 * engine's binaries themselves are in the per-user tools cache (tools/go/).
 */
import { join } from "node:path";
import { REPO_ROOT } from "../repoRoot";

/** PULUMI_HOME: the plugin cache our providers are installed into, and the CLI's own settings. */
export const PULUMI_HOME = join(REPO_ROOT, ".cache", "pulumi-home");

/** The file backend's directory; PULUMI_BACKEND_URL points here. */
export const LOCAL_BACKEND_DIR = join(REPO_ROOT, ".pulumi-local");
