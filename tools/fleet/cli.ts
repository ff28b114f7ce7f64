/**
 * Entry point: `npm run fleet -- <preview|up|refresh|drift> [--stacks GLOBS] [--concurrency N]
 * [--json]`. Progress goes to stderr; the summary (table or JSON) to stdout.
 */
import { CommandError } from "@pulumi/pulumi/automation";
import { parseFleetArgs, USAGE, UsageError } from "./args";
import { failureText, firstErrorLine } from "./failures";
import { runFleet } from "./fleet";
import { renderJson, renderTable } from "./render";
import { NoStackMatchedError } from "./stackSelection";
import { EXIT_FAILED, EXIT_USAGE } from "./summary";

// `npm run` starts scripts in the repository root; relative paths on the command line mean the
// directory the user typed them in.
const cwd =
  process.env.npm_lifecycle_event === "fleet" && process.env.INIT_CWD
    ? process.env.INIT_CWD
    : process.cwd();

async function main(): Promise<number> {
  const args = parseFleetArgs(process.argv.slice(2), cwd);
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const summary = await runFleet({
    ...args,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(args.json ? renderJson(summary) : renderTable(summary));
  return summary.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || error instanceof NoStackMatchedError;
    // A failing CLI (a backend that cannot be reached, say) in one line, not its whole output.
    const message =
      error instanceof CommandError ? firstErrorLine([], failureText(error)) : failureText(error);
    process.stderr.write(`fleet: ${message}\n${error instanceof UsageError ? `\n${USAGE}` : ""}`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_FAILED;
  },
);
