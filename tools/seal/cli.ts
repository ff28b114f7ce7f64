/**
 * Entry point: `npm run seal -- ...` and the k8s-flux-seal bin. Everything else lives in
 * command.ts, which tests drive in-process.
 */
import { userDirectory } from "../userDirectory";
import { runSeal } from "./command";
import { describeUnexpectedError } from "./errors";

// Relative paths on the command line (--cert, --from-file, --merge-into) mean the directory the
// user typed them in, which `npm run` does not start the script in.
process.chdir(userDirectory("seal"));

async function readStdin(): Promise<Buffer | undefined> {
  // A terminal on stdin means nothing was piped; waiting for typing would look like a hang.
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

runSeal(process.argv.slice(2), {
  readStdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(describeUnexpectedError(error));
    // The exit code an uncaught error gets from Node.
    process.exitCode = 1;
  },
);
