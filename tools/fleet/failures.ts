/**
 * Reading why an operation failed from what the engine and the CLI said: another update's
 * lock, the program's refusal of the stack's config, or the first error line of anything else.
 */

/** The program's heading for config it refuses (stacks/messages.ts); nothing was changed. */
export const CONFIG_HEADING = "Invalid stack configuration (nothing was changed):";

/**
 * The engine's words for a stack another update holds: the file backend's lock, and the Pulumi
 * Cloud's conflict. Both are what the Automation API's ConcurrentUpdateError is raised for.
 */
const LOCK_MESSAGES = [
  /the stack is currently locked by \d+ lock\(s\)/,
  /\[409\] Conflict: Another update is currently in progress/,
];

/** The backend's "no changes were expected" refusal, which a drift check asks for. */
const UNEXPECTED_CHANGES = /no changes were expected(?: for \S+)? but changes were proposed/;

export function isLockError(text: string): boolean {
  return LOCK_MESSAGES.some((message) => message.test(text));
}

export function isUnexpectedChangesError(text: string): boolean {
  return UNEXPECTED_CHANGES.test(text);
}

/**
 * The program's config message from the error diagnostics: its heading and each problem line
 * after it, as the program wrote them. Empty when no diagnostic carries the heading.
 */
export function configProblems(errorMessages: readonly string[]): string[] {
  for (const message of errorMessages) {
    const lines = message.split("\n");
    const heading = lines.findIndex((line) => line.trim() === CONFIG_HEADING);
    if (heading === -1) continue;
    const problems: string[] = [];
    for (const line of lines.slice(heading + 1)) {
      if (!line.trimStart().startsWith("- ")) break;
      problems.push(line.trimEnd());
    }
    return [CONFIG_HEADING, ...problems];
  }
  return [];
}

/** What a thrown value says: a CommandError's message holds the CLI's stdout and stderr. */
export const failureText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const nonEmptyLines = (text: string): string[] =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");

/**
 * One line saying what went wrong: the first line of the first error diagnostic, else the
 * first `error:` line of the CLI's output (failures before the engine starts, such as a lock),
 * else the first line of the failure itself.
 */
export function firstErrorLine(errorMessages: readonly string[], failureText: string): string {
  const fromEngine = errorMessages.flatMap(nonEmptyLines)[0];
  if (fromEngine !== undefined) return fromEngine;
  const fromCli = /^\s*error: (.+)$/m.exec(failureText)?.[1]?.trim();
  if (fromCli) return fromCli;
  // How the CLI process ended, as the Automation API's CommandError quotes it.
  const ending = /(Command (?:failed with exit code \d+|was killed with \w+))/.exec(
    failureText,
  )?.[1];
  if (ending) return `the pulumi CLI ended: ${ending.replace(/^Command /, "")}`;
  return nonEmptyLines(failureText)[0] ?? "failed without a message";
}
