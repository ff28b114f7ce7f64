/**
 * Entry point: `npm run fleet -- <preview|up|refresh|drift> [--stacks GLOBS] [--concurrency N]
 * [--json]`. Progress goes to stderr; the summary (table or JSON) to stdout.
 */
import { CommandError } from "@pulumi/pulumi/automation";
import { EXIT_USAGE, readCommandLine } from "../cliArgs";
import { userDirectory } from "../userDirectory";
import { FLEET_COMMAND, parseFleetArgs, type FleetArgs } from "./args";
import { failureText, firstErrorLine } from "./failures";
import { runFleet } from "./fleet";
import { renderJson, renderTable } from "./render";
import { NoStackMatchedError } from "./stackSelection";
import { EXIT_FAILED } from "./summary";

const userDir = userDirectory(FLEET_COMMAND.name);
const args = readCommandLine(FLEET_COMMAND, (argv) => parseFleetArgs(argv, userDir));

async function main(options: FleetArgs): Promise<number> {
  const summary = await runFleet({
    ...options,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(options.json ? renderJson(summary) : renderTable(summary));
  return summary.exitCode;
}

main(args).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A --stacks that matches no stack is a wrong command line too: nothing was run.
    const usage = error instanceof NoStackMatchedError;
    // A failing CLI (a backend that cannot be reached, say) in one line, not its whole output.
    const message =
      error instanceof CommandError ? firstErrorLine([], failureText(error)) : failureText(error);
    process.stderr.write(`${FLEET_COMMAND.name}: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_FAILED;
  },
);
