/**
 * Entry point: `npm run seal -- ...` and the k8s-flux-seal bin. Everything else lives in
 * command.ts, which tests drive in-process.
 */
import { runSeal } from "./command";
import { describeUnexpectedError } from "./errors";

// `npm run` starts scripts in the repository root; relative paths on the command line mean the
// directory the user typed them in.
if (process.env.npm_lifecycle_event === "seal" && process.env.INIT_CWD) {
  process.chdir(process.env.INIT_CWD);
}

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
