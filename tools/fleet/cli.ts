/**
 * Entry point: `npm run fleet -- <preview|up|refresh|drift> [--stacks GLOBS] [--concurrency N]
 * [--json]`. Progress goes to stderr; the summary (table or JSON) to stdout.
 */
import { CommandError } from "@pulumi/pulumi/automation";
import { EXIT_USAGE, runCommand, type Failure } from "../cliArgs";
import { userDirectory } from "../userDirectory";
import { FLEET_COMMAND, parseFleetArgs, type FleetArgs } from "./args";
import { failureText, firstErrorLine } from "./failures";
import { runFleet } from "./fleet";
import { renderJson, renderTable } from "./render";
import { NoStackMatchedError } from "./stackSelection";

async function main(options: FleetArgs): Promise<number> {
  const summary = await runFleet({
    ...options,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(options.json ? renderJson(summary) : renderTable(summary));
  return summary.exitCode;
}

function describeFailure(error: unknown): Failure | undefined {
  // A --stacks that matches no stack is a wrong command line too: nothing was run.
  if (error instanceof NoStackMatchedError) return { message: error.message, exitCode: EXIT_USAGE };
  // A failing CLI (a backend that cannot be reached, say) in one line, not its whole output.
  if (error instanceof CommandError) return { message: firstErrorLine([], failureText(error)) };
  return undefined;
}

const userDir = userDirectory(FLEET_COMMAND.name);
runCommand(FLEET_COMMAND, (argv) => parseFleetArgs(argv, userDir), main, { describeFailure });
