/**
 * The text of every config problem: one line each, naming the `k8s-flux:` key (or the other key
 * at fault, such as `github:token`), what is wrong with it and what was expected.
 */
import type { z } from "zod";
import { closestName } from "./closestName";
import { quoted, settingKey } from "./quoting";
import { isSection, isSettingKey, settingNamesAt, tableKeysAt } from "./schemaShape";

/** One or more problems in stack config; the message lists each on its own line. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "StackConfigError";
  }
}

/** Params of custom issues: `key` names a key outside `k8s-flux:` (such as `github:token`). */
export interface IssueParams {
  readonly key?: string;
}

/** What messages need beyond the issues themselves. */
export interface MessageContext {
  /** Top-level keys stored as secrets: nothing under them is described but the key. */
  readonly secretKeys: ReadonlySet<string>;
  /**
   * Numbers as the stack file gave them, by path (`systemFlux.keyGeneration`), where JavaScript
   * reads them as another number (9007199254740993) or none (1e400).
   */
  readonly numbersAsTyped: Readonly<Record<string, string>>;
}

/** The problem of a top-level key stored with --secret; it never quotes the value. */
export function secretSettingProblem(key: string): string {
  if (!isSettingKey(key)) return unknownSetting([], key);
  return `${settingKey([key])}: is stored as a secret, but its value is written to plain state, outputs and GitHub; expected it set without --secret`;
}

/** Every issue as the lines of its problems, leaving out what it says of secret keys. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  context: MessageContext,
): string[] {
  return issues
    .map((issue) => withoutSecretKeys(issue, context.secretKeys))
    .filter((issue) => issue !== undefined)
    .flatMap((issue) => describeIssue(issue, context));
}

function describeIssue(issue: z.core.$ZodIssue, context: MessageContext): string[] {
  const typed = numberAsTyped(issue, context);
  switch (issue.code) {
    case "unrecognized_keys":
      // Names of settings, never their values.
      return issue.keys.map((unknownKey) => unknownSetting(issue.path, unknownKey));
    case "invalid_type":
      if (issue.message.startsWith("Invalid input")) {
        return [
          `${settingKey(issue.path)}: expected ${article(issue.expected)}, got ${describeValue(issue.input, typed)}${yamlTypingHint(issue.expected, issue.input, typed)}`,
        ];
      }
      return [`${settingKey(issue.path)}: ${asTyped(issue, typed)}`];
    case "custom": {
      const params = issue.params as IssueParams | undefined;
      return [`${params?.key ?? settingKey(issue.path)}: ${asTyped(issue, typed)}`];
    }
    default:
      return [`${settingKey(issue.path)}: ${asTyped(issue, typed)}`];
  }
}

/** The text the stack file gave for the number an issue is about, when JavaScript changed it. */
function numberAsTyped(issue: z.core.$ZodIssue, context: MessageContext): string | undefined {
  if (typeof issue.input !== "number") return undefined;
  const path = issue.path.map(String).join(".");
  return Object.hasOwn(context.numbersAsTyped, path) ? context.numbersAsTyped[path] : undefined;
}

/**
 * The message with the number as typed. Messages that quote their value start with it, so the
 * value JavaScript read is swapped for the text the user wrote at that one place.
 */
function asTyped(issue: z.core.$ZodIssue, typed: string | undefined): string {
  const read = quoted(issue.input);
  if (typed === undefined || !issue.message.startsWith(`${read} `)) return issue.message;
  return `${typed}${issue.message.slice(read.length)}`;
}

/**
 * The issue without what it says of keys stored as secrets, or undefined when it is only about
 * them: each such key gets one problem of its own and no other, so none can quote its value.
 */
function withoutSecretKeys(
  issue: z.core.$ZodIssue,
  secretKeys: ReadonlySet<string>,
): z.core.$ZodIssue | undefined {
  const topLevelKey = issue.path[0];
  if (typeof topLevelKey === "string" && secretKeys.has(topLevelKey)) return undefined;
  if (issue.code === "unrecognized_keys" && issue.path.length === 0) {
    const keys = issue.keys.filter((key) => !secretKeys.has(key));
    return keys.length === 0 ? undefined : { ...issue, keys };
  }
  return issue;
}

/**
 * An unknown key, with the key it was probably meant to be. A top-level key with "." or "[" in
 * it, whose first part is a section, is what `pulumi config set` without --path makes: it is
 * split at its first "." or "[" only, so `knownHosts.git.example.org` is the host
 * `git.example.org` inside `knownHosts`.
 */
function unknownSetting(path: readonly PropertyKey[], unknownKey: string): string {
  const flat = /^(?<section>[^.[]+)(?<rest>[.[].*)$/s.exec(unknownKey)?.groups;
  const section = flat?.["section"] ?? "";
  const rest = flat?.["rest"] ?? "";
  if (path.length === 0 && flat !== undefined && isSection(section)) {
    const nested = rest.startsWith(".")
      ? settingKey([section, rest.slice(1)])
      : `${settingKey([section])}${rest}`;
    const flatKey = settingKey([unknownKey]);
    return `${flatKey}: was set as a key of its own; expected it inside ${settingKey([section])}, so remove it with "pulumi config rm ${shellWord(flatKey)}" and set it again with "pulumi config set --path ${shellWord(nested)} <value>"`;
  }
  const tableKeys = tableKeysAt(path);
  if (tableKeys !== undefined && unknownKey === "__proto__") {
    return `${settingKey([...path, unknownKey])}: unknown setting: ${quoted(unknownKey)} is the name JavaScript gives an object's prototype, so it cannot name an entry; expected ${tableKeys}`;
  }
  const allowed = settingNamesAt(path);
  if (allowed.length === 0) {
    // __proto__ inside a value that holds no settings (a text, a list's item): nothing to suggest.
    return `${settingKey([...path, unknownKey])}: unknown setting: ${settingKey(path)} takes no keys`;
  }
  const guess = closestName(unknownKey, allowed);
  return `${settingKey([...path, unknownKey])}: unknown setting${guess ? ` (did you mean ${quoted(guess)}?)` : ""}; expected one of ${allowed.join(", ")}`;
}

/** A key as one shell word: single-quoted when "[", quotes or the like would upset the shell. */
const shellWord = (key: string): string =>
  /^[A-Za-z0-9_.:-]+$/.test(key) ? key : `'${key.replaceAll("'", "'\\''")}'`;

/** zod's names of types, as YAML users know them: a record is a map keyed by the user's names. */
const article = (expected: string): string =>
  expected === "object"
    ? "an object"
    : expected === "array"
      ? "a list"
      : expected === "record"
        ? "a map"
        : `a ${expected}`;

/** A number as YAML would write it, from JSON's number text. */
const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;

/**
 * How to write a value YAML typed differently from what the setting takes: `"true"` in quotes is
 * text, `2024` without them a number. `pulumi config set --path` does the same to whole numbers
 * and true/false, unless given --type. Empty when the mismatch is not one of these.
 */
function yamlTypingHint(expected: string, value: unknown, typed: string | undefined): string {
  if (expected === "boolean" && typeof value === "string") {
    return "; write true or false, without quotes";
  }
  if (expected === "number" && typeof value === "string" && NUMBER_TEXT.test(value.trim())) {
    return `; write ${value.trim()} without quotes`;
  }
  if (expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
    const text = typed ?? quoted(value);
    return `; YAML reads ${text} without quotes as a ${typeof value}: write the text in quotes (with pulumi config set --path, add --type string)`;
  }
  return "";
}

function describeValue(value: unknown, typed: string | undefined): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  const text = typed ?? quoted(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
