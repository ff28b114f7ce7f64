/**
 * Errors a user can act on, from the local git server and the process runner: the message says
 * what went wrong and what to do about it.
 */
export class GitOpsError extends Error {
  override name = "GitOpsError";
}
