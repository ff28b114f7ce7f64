/**
 * Building one tool from its wrapper module into .cache/tools/<name>-<version>/. The directory
 * appears only when every binary is built, with a stamp naming the wrapper it came from.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { prepareEmbeds } from "./embeddedFiles";
import { adviceFor, GoError, runGo } from "./go";
import { buildLogPath, REPO_ROOT } from "./layout";
import { binaryPath, toolDir, type GoTool } from "./tools";

const STAMP = ".build.json";

/** A failure the user can act on; its message is one line. */
export class BuildError extends Error {}

/** Everything committed in the wrapper, so an edited wrapper builds a fresh directory. */
function wrapperDigest(tool: GoTool): string {
  const hash = createHash("sha256");
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (/\.(go|mod|sum)$/.test(entry.name)) {
        hash.update(relative(tool.wrapperDir, path));
        hash.update(readFileSync(path));
      }
    }
  };
  visit(tool.wrapperDir);
  return hash.digest("hex");
}

export function isBuilt(tool: GoTool): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(toolDir(tool), STAMP), "utf8")) as {
      wrapper?: string;
    };
    return (
      stamp.wrapper === wrapperDigest(tool) &&
      Object.keys(tool.binaries).every((binary) => existsSync(binaryPath(tool, binary)))
    );
  } catch {
    return false;
  }
}

function ldflagsFor(tool: GoTool): string {
  const stamps = Object.entries(tool.stamps).map(([variable, value]) => `-X ${variable}=${value}`);
  return ["-s", "-w", ...stamps].join(" ");
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

export async function buildTool(tool: GoTool, log: (line: string) => void): Promise<void> {
  const dir = toolDir(tool);
  const partial = `${dir}.partial-${process.pid}`;
  const scratch = mkdtempSync(join(tmpdir(), `${tool.name}-`));
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(
    `building ${tool.name} ${tool.version} (with cold Go caches this takes long; see the README)`,
  );
  const started = Date.now();
  try {
    const ldflags = ldflagsFor(tool);
    const overlay = await prepareEmbeds(tool, scratch, ldflags);
    for (const [binary, pkg] of Object.entries(tool.binaries)) {
      await runGo({
        args: [
          "build",
          // Only the committed go.sum decides what is built; drift is an error, not an edit.
          "-mod=readonly",
          "-trimpath",
          "-buildvcs=false",
          ...(overlay ? ["-overlay", overlay] : []),
          "-ldflags",
          ldflags,
          "-o",
          join(partial, binary),
          pkg,
        ],
        cwd: tool.wrapperDir,
        // Static binaries, as Pulumi releases them; no C toolchain needed.
        env: { CGO_ENABLED: "0" },
      });
    }
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    const output = error instanceof GoError ? error.output : String((error as Error).stack);
    const logPath = buildLogPath(dir);
    writeFileSync(logPath, output);
    const advice = error instanceof GoError ? `; ${adviceFor(output)}` : "";
    throw new BuildError(
      `building ${tool.name} ${tool.version} failed: ${(error as Error).message.split("\n")[0]}` +
        `${advice} (full output: ${relative(REPO_ROOT, logPath)})`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileSync(
    join(partial, STAMP),
    `${JSON.stringify({ version: tool.version, wrapper: wrapperDigest(tool) }, null, 2)}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  rmSync(buildLogPath(dir), { force: true });
  log(`built ${tool.name} ${tool.version} in ${duration(Date.now() - started)}`);
}
