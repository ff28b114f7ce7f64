/**
 * What the commands that run the real engine (up:local, bench, fixtures:older-state) need before
 * they start. Each asks for it as the first step of its work, after its command line is read, so
 * that `--help` or a typo does nothing else: building the tools takes minutes when cold, and the
 * git server's prerequisites, run as root, install system packages.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildTools } from "./go/cli";
import { REPO_ROOT } from "./repoRoot";

/** From the repository root, as messages name it. */
const PREREQUISITES_SCRIPT = "tools/gitops/installPrerequisites.sh";

export interface Needs {
  /** Tools and groups of tools/go/registry.ts, built or reused as `npm run tools:build` does. */
  readonly tools: readonly string[];
  /**
   * The local git server's system prerequisites: openssh-server, git and the `git` account,
   * which tools/gitops/installPrerequisites.sh checks, and as root installs or makes.
   */
  readonly gitServer?: boolean;
}

export async function prepare({ tools, gitServer = false }: Needs): Promise<void> {
  await buildTools(tools);
  if (gitServer) await runPrerequisitesScript();
}

/** The script's own lines (what it installs, or why it cannot) go straight to the terminal. */
function runPrerequisitesScript(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(REPO_ROOT, PREREQUISITES_SCRIPT)], {
      cwd: REPO_ROOT,
      stdio: "inherit",
    });
    child.once("error", (error) => {
      reject(new Error(`cannot run ${PREREQUISITES_SCRIPT}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      if (code === 0) {
        resolve();
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(new Error(`${PREREQUISITES_SCRIPT} ${how}`));
    });
  });
}
