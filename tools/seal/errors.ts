/**
 * The two kinds of failure a user can cause. Each carries one line for stderr; the command maps
 * them to exit codes so scripts can tell a typo in the flags from a bad Secret or certificate.
 */

/** The flags themselves are wrong: unknown flag, bad value, missing or conflicting flags. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The flags are fine but what they point at is not: the Secret, the certificate, a file. */
export class InputError extends Error {
  override name = "InputError";
}

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;

/** Why a file could not be read, in words rather than an errno. */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}

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
