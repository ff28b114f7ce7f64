/**
 * The fleet command's command line, read through tools/cliArgs.ts and checked before any work
 * starts: the operation, the concurrency, and the directories it reads and writes.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { quoted } from "../../components/shared/quotedText";
import { parseCommandLine, type CommandText, type Parsed, UsageError } from "../cliArgs";
import { outputDirectoryProblem } from "../problems";
import { REPO_ROOT } from "../repoRoot";
import { OPERATIONS, isOperation, type Operation } from "./operations";

export const DEFAULT_CONCURRENCY = 2;
/**
 * Each stack running is a CLI, a Node.js program and its providers: the bound stops a mistyped
 * number (a digit too many) before it starts hundreds of them.
 */
export const MAX_CONCURRENCY = 64;
export const DEFAULT_LOG_DIR = join(REPO_ROOT, ".cache", "fleet", "logs");

export const FLEET_COMMAND: CommandText = {
  name: "fleet",
  usage: `Run one Pulumi operation on many stacks of this project, a few at a time, and summarize.

Usage:
  npm run fleet -- <${OPERATIONS.join("|")}> [--stacks GLOBS] [--concurrency N] [--json]

Operations:
  preview   what \`pulumi up\` would change
  up        deploy
  refresh   bring each stack's state up to date with its cluster and cloud
  drift     refresh-preview: report each stack whose cluster or cloud no longer matches its
            program, with the resources that differ; changes nothing

Options:
  --stacks GLOBS     stacks of this project in the backend, by name: globs separated by commas,
                     with * and ? (default: every stack). Each glob must match a stack.
  --concurrency N    at most N stacks at once, N from 1 to ${MAX_CONCURRENCY} (default ${DEFAULT_CONCURRENCY})
  --json             print the summary as JSON (docs/operations/fleet.md) instead of a table
  --log-dir DIR      each stack's CLI output goes to DIR/<stack>.log (default .cache/fleet/logs)
  --work-dir DIR     the project directory, with Pulumi.yaml (default: this repository)
  -h, --help         show this help

Exit codes: 0 all succeeded (or in sync), 1 a stack failed, was locked, had invalid config or
was cancelled, 2 bad flags or no stack matched (nothing ran), 3 drift found and nothing
failed, 130 interrupted.
`,
};

export interface FleetArgs {
  readonly operation: Operation;
  readonly stacksSelector: string;
  readonly concurrency: number;
  readonly json: boolean;
  readonly logDir: string;
  readonly workDir: string;
}

/** `userDir` is where relative paths start: userDirectory() of tools/userDirectory.ts. */
export function parseFleetArgs(argv: readonly string[], userDir: string): Parsed<FleetArgs> {
  const line = parseCommandLine(
    argv,
    {
      stacks: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "boolean" },
      "log-dir": { type: "string" },
      "work-dir": { type: "string" },
    },
    { positionals: true },
  );
  if (line.help) return line;

  const { flags, positionals } = line;
  const logDir = flags["log-dir"];
  const workDir = flags["work-dir"];
  const checked = {
    stacksSelector: flags.stacks ?? "*",
    concurrency: parseConcurrency(flags.concurrency),
    json: flags.json === true,
    logDir: logDirectory(logDir === undefined ? DEFAULT_LOG_DIR : resolve(userDir, logDir)),
    workDir: projectDirectory(workDir === undefined ? REPO_ROOT : resolve(userDir, workDir)),
  };
  const [operation, ...extra] = positionals;
  if (operation === undefined) {
    throw new UsageError(`no operation given; expected one of ${OPERATIONS.join(", ")}`);
  }
  if (!isOperation(operation)) {
    throw new UsageError(
      `unknown operation ${quoted(operation)}; expected one of ${OPERATIONS.join(", ")}`,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument ${quoted(extra[0])}; give stacks with --stacks`);
  }
  return { help: false, operation, ...checked };
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const concurrency = Number(value);
  if (!/^[1-9][0-9]*$/.test(value) || concurrency > MAX_CONCURRENCY) {
    throw new UsageError(
      `--concurrency ${quoted(value)}: expected a whole number from 1 to ${MAX_CONCURRENCY}`,
    );
  }
  return concurrency;
}

/**
 * Why `dir` cannot be the project. The project is taken from the directory given, never
 * searched for: the CLI, run in a directory without Pulumi.yaml, would take the first one it
 * finds further up.
 */
function projectDirectoryProblem(dir: string): string | undefined {
  if (!existsSync(dir)) return "no such directory";
  if (!statSync(dir).isDirectory()) return "not a directory";
  if (!existsSync(join(dir, "Pulumi.yaml"))) return "no Pulumi.yaml in it";
  return undefined;
}

function projectDirectory(dir: string): string {
  const problem = projectDirectoryProblem(dir);
  if (problem !== undefined) {
    throw new UsageError(
      `--work-dir ${quoted(dir)}: ${problem}; expected the project's directory, with Pulumi.yaml`,
    );
  }
  return dir;
}

/**
 * The log directory is made when the run starts, if need be: a file, a path through one or a
 * kernel file system cannot be it, and is refused before the backend is asked anything.
 */
function logDirectory(dir: string): string {
  const problem =
    existsSync(dir) && !statSync(dir).isDirectory()
      ? "not a directory"
      : outputDirectoryProblem(dir);
  if (problem !== undefined) throw new UsageError(`--log-dir ${quoted(dir)}: ${problem}`);
  return dir;
}
