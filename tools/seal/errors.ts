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
