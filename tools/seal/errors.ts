/**
 * The failures a user can cause besides a wrong command line (tools/cliArgs.ts's UsageError,
 * exit 2). Each carries one line for stderr; the command maps them to exit codes so scripts can
 * tell a typo in the flags from a bad Secret or certificate.
 */

/** The flags are fine but what they point at is not: the Secret, the certificate, a file. */
export class InputError extends Error {
  override name = "InputError";
}

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;

/**
 * What the command prints for an error it did not expect, i.e. a bug: the error's kind and where
 * it was thrown, but not its message, which may quote the input and so a secret value.
 */
export function describeUnexpectedError(error: unknown): string {
  const kind = error instanceof Error ? error.name : typeof error;
  const header = error instanceof Error ? `${error.name}: ${error.message}` : "";
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  // The stack opens with the name and message; only what follows them is safe to show.
  const frames = stack.startsWith(header) ? stack.slice(header.length).replace(/^\n/, "") : "";
  const line = `seal: internal error (${kind}), a bug in seal; its message is withheld because it may quote a secret value`;
  return frames === "" ? `${line}\n` : `${line}\n${frames}\n`;
}
