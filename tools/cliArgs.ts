/**
 * The command lines of this repository's npm scripts, all read the same way: node:util parseArgs
 * in strict mode, with each of its errors said in one line that names the flag, `-h`/`--help` on
 * every command, and exit code 2 for a command line that is wrong. A command checks its own
 * values on top of this and throws UsageError for those too, so they exit 2 as well. Every entry
 * point runs through runCommand, which also says how the command failed, in one line.
 */
import { parseArgs } from "node:util";
import { quoted, visibleText } from "../components/shared/quotedText";

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong: an unknown flag, a missing or malformed value, a stray argument. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** May be given more than once; its value is then a list. Other flags may be given once. */
  readonly multiple?: boolean;
  /** Its value is never repeated in a message: it may be a secret typed on the command line. */
  readonly sensitive?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

type FlagValue<S extends FlagSpec> = S["type"] extends "boolean"
  ? S["multiple"] extends true
    ? boolean[]
    : boolean
  : S["multiple"] extends true
    ? string[]
    : string;

/** Each flag's value, absent when it was not given. */
export type FlagValues<F extends FlagSpecs> = { readonly [K in keyof F]?: FlagValue<F[K]> };

export interface Help {
  readonly help: true;
}

export const HELP: Help = { help: true };

/** What a command's parse function returns: a request for help, or what the command is to do. */
export type Parsed<T> = Help | ({ readonly help: false } & T);

export interface CommandLine<F extends FlagSpecs> {
  readonly flags: FlagValues<F>;
  readonly positionals: readonly string[];
}

const HELP_FLAG: FlagSpec = { type: "boolean", short: "h" };

/**
 * Reads `argv` against `flags` (every command has `-h`/`--help` besides; it wins over anything
 * else on the line). Throws UsageError for the first thing wrong, in the order typed: a flag not
 * in `flags`, a string flag without a value or with an empty one, a value that starts with "-"
 * given as the next argument (it must be written `--flag=-value`), a short flag written
 * `-n=value`, a value given to a boolean flag, a flag given twice that is not `multiple`, or any
 * positional argument unless `positionals` is set.
 */
export function parseCommandLine<const F extends FlagSpecs>(
  argv: readonly string[],
  flags: F,
  { positionals: allowPositionals = false }: { positionals?: boolean } = {},
): Parsed<CommandLine<F>> {
  if (Object.hasOwn(flags, "help")) throw new Error("--help is every command's own; rename it");
  const specs: FlagSpecs = { ...flags, help: HELP_FLAG };
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      {
        type: spec.type,
        ...(spec.short === undefined ? {} : { short: spec.short }),
        ...(spec.multiple === true ? { multiple: true } : {}),
      },
    ]),
  );

  // Non-strict, parseArgs reads every argument into a token and throws for nothing, so each
  // problem can be described here, in the order typed.
  const tokens = withShortFlagValues(
    parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })
      .tokens,
    argv,
  );
  if (tokens.some((token) => token.kind === "option" && isHelpRequest(token))) return HELP;

  // A stray word may be a sensitive flag's value that lost its flag; then only its place is said.
  const quiet = Object.values(flags).some((spec) => spec.sensitive === true);
  const given = new Set<string>();
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (!allowPositionals) {
        throw new UsageError(
          quiet
            ? `unexpected argument #${token.index + 1}, which is no flag's value`
            : `unexpected argument ${quoted(token.value)}`,
        );
      }
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (spec === undefined) throw new UsageError(`unknown flag ${token.rawName}`);
    checkValue(token, spec, flags);
    if (given.has(token.name) && spec.multiple !== true) {
      throw new UsageError(`--${token.name} is given twice; give it once`);
    }
    given.add(token.name);
  }

  // Everything strict mode refuses was refused above; this only collects the values.
  const { values, positionals } = parseArgs({
    args: [...argv],
    options,
    strict: true,
    allowPositionals,
  });
  const flagValues: Record<string, unknown> = { ...values };
  delete flagValues.help;
  return { help: false, flags: flagValues as FlagValues<F>, positionals };
}

/** For a command that takes nothing but `--help`. */
export function parseNoArguments(argv: readonly string[]): Parsed<CommandLine<FlagSpecs>> {
  return parseCommandLine(argv, {});
}

type Token = ReturnType<typeof parseArgs>["tokens"] extends (infer T)[] | undefined ? T : never;

/**
 * parseArgs reads `-h=yes`, for a flag that takes no value or no flag at all, as the group of
 * short flags `-h -= -y -e -s`, so the mistake would be told as "unknown flag -=". Here the flag
 * before the "=" gets the rest of the word as its value, as it has for a flag that takes one, and
 * is then refused for it by name. A string flag earlier in the group took the rest as its value
 * already, and such a group is left as it is.
 */
function withShortFlagValues(tokens: readonly Token[], argv: readonly string[]): Token[] {
  const read: Token[] = [];
  // The index of the word whose rest became a value: its later tokens are not flags.
  let valueTaken: number | undefined;
  for (const [at, token] of tokens.entries()) {
    if (token.index === valueTaken) continue;
    const word = argv[token.index] ?? "";
    const equals = word.indexOf("=");
    const next = tokens[at + 1];
    const splitAtEquals =
      token.kind === "option" &&
      token.value === undefined &&
      !word.startsWith("--") &&
      equals > 1 &&
      token.rawName === `-${word[equals - 1]}` &&
      next?.kind === "option" &&
      next.index === token.index &&
      next.rawName === "-=";
    if (!splitAtEquals) {
      read.push(token);
      continue;
    }
    read.push({ ...token, value: word.slice(equals + 1), inlineValue: true });
    valueTaken = token.index;
  }
  return read;
}

interface OptionToken {
  readonly name: string;
  readonly rawName: string;
  readonly value?: string | undefined;
  readonly inlineValue?: boolean | undefined;
}

const isHelpRequest = (token: OptionToken): boolean =>
  token.name === "help" && token.value === undefined;

function checkValue(token: OptionToken, spec: FlagSpec, flags: FlagSpecs): void {
  const flag = token.rawName;
  const { value } = token;
  if (spec.type === "boolean") {
    if (value !== undefined) throw new UsageError(`${flag} takes no value`);
    return;
  }
  if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);
  // `-n=shop`, as kubectl takes it, is the value "=shop" to parseArgs.
  if (token.inlineValue === true && !flag.startsWith("--") && value.startsWith("=")) {
    if (value === "=") throw new UsageError(`${flag} needs a value`);
    const meant = spec.sensitive === true ? "VALUE" : value.slice(1);
    throw new UsageError(`${flag}=${meant}: write ${flag} ${meant} or --${token.name}=${meant}`);
  }
  // Strict parseArgs refuses `--port -1` as ambiguous: a forgotten value before another flag
  // looks the same. Only the `=` form says the dash is meant.
  if (token.inlineValue !== true && value.startsWith("-")) {
    const shown = spec.sensitive === true || mayBeSensitiveFlag(value, flags) ? "VALUE" : value;
    throw new UsageError(
      `${flag} needs a value; a value that starts with "-" must be written --${token.name}=${shown}`,
    );
  }
}

/**
 * Whether a word that starts with "-", taken for a flag's value, may be a sensitive flag written
 * with its value: `--name --from-literal=key=s3cret` (or a misspelling of it), `-ks3cret` for a
 * sensitive `-k`.
 */
function mayBeSensitiveFlag(word: string, flags: FlagSpecs): boolean {
  const sensitive = Object.values(flags).filter((spec) => spec.sensitive === true);
  if (sensitive.length === 0) return false;
  return (
    word.includes("=") ||
    sensitive.some(
      (spec) => spec.short !== undefined && word.startsWith(`-${spec.short}`) && word.length > 2,
    )
  );
}

export interface CommandText {
  /** The npm script, which starts every message: `render`. */
  readonly name: string;
  /** The whole help, printed for `--help`. */
  readonly usage: string;
}

export type CommandLineOutcome<T> =
  | { readonly kind: "run"; readonly options: T }
  | {
      readonly kind: "exit";
      readonly code: number;
      readonly stdout: string;
      readonly stderr: string;
    };

/**
 * The one line for a wrong command line, with where to read how to write it. One line whatever
 * the message quotes: a value a check did not put through quoted() keeps its line break, escaped.
 */
const refusal = (command: CommandText, error: UsageError): string =>
  `${command.name}: ${visibleText(error.message)}; see \`npm run ${command.name} -- --help\`\n`;

/** What an entry point does with its command line: run with these options, or print and exit. */
export function commandLineOutcome<T>(
  command: CommandText,
  parse: (argv: readonly string[]) => Parsed<T>,
  argv: readonly string[],
): CommandLineOutcome<T> {
  let parsed: Parsed<T>;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { kind: "exit", code: EXIT_USAGE, stdout: "", stderr: refusal(command, error) };
  }
  if (parsed.help) return { kind: "exit", code: 0, stdout: command.usage, stderr: "" };
  return { kind: "run", options: parsed };
}

/** A failure as a command tells it: the line after its name, and the exit code (default 1). */
export interface Failure {
  readonly message: string;
  readonly exitCode?: number;
}

export interface RunCommandOptions {
  /**
   * The command's own account of some failures: words of its own (advice for what Go printed,
   * the first line of a CLI's output) or another exit code. Undefined leaves the error to
   * failureOutcome's rule.
   */
  readonly describeFailure?: (error: unknown) => Failure | undefined;
}

/**
 * JavaScript's own kinds of error. Our code and the programs it drives report failures as Error
 * or a subclass of it, with a sentence; these come from a bug, or from data the code did not
 * expect, such as a state file that is not JSON, and their sentence alone does not say where.
 */
const BUG_KINDS = [TypeError, ReferenceError, RangeError, SyntaxError, EvalError, URIError];

/**
 * What a command prints for what `main` threw, always after `NAME: `: a UsageError as a wrong
 * command line (exit 2); what `describeFailure` describes, as it says; an error of JavaScript's
 * own kinds with its stack, since the frames say where the bug is, and a thrown value that is no
 * Error as a bug too; any other error by its message alone, exit 1: that is the user's whole
 * answer, with no stack trace for a failure the command expects. A message of several lines (one
 * per tool that failed to build) has `NAME: ` before each, blank lines left out, and what cannot
 * be seen in a line (a control character in a path, say) is escaped. A command whose input may be a secret
 * does not run through this (seal has its own): a message can quote the input.
 */
export function failureOutcome(
  command: CommandText,
  error: unknown,
  { describeFailure }: RunCommandOptions = {},
): { readonly code: number; readonly stderr: string } {
  const told = (message: string, code = EXIT_FAILURE) => {
    // A blank line (a message's trailing newline, a gap between tools) would print as a bare
    // `NAME:`, which reads as a failure with nothing to say.
    const lines = message.split("\n").filter((line) => line.trim() !== "");
    return {
      code,
      stderr: (lines.length > 0 ? lines : ["failed, with an empty error message"])
        .map((line) => `${command.name}: ${visibleText(line, "\t")}`.trimEnd() + "\n")
        .join(""),
    };
  };
  const described = describeFailure?.(error);
  if (described) return told(described.message, described.exitCode);
  if (error instanceof UsageError) return { code: EXIT_USAGE, stderr: refusal(command, error) };
  if (!(error instanceof Error)) {
    return told(`a value that is no Error was thrown: ${quoted(error)}`);
  }
  if (BUG_KINDS.some((kind) => error instanceof kind)) {
    // The frames below the first line stay as Node prints them.
    return { code: EXIT_FAILURE, stderr: `${command.name}: ${error.stack ?? String(error)}\n` };
  }
  return told(error.message);
}

/** What a command does once its command line is read; a number it returns is its exit code. */
export type CommandMain<T> = (options: T) => Promise<void> | Promise<number>;

export interface CommandIo {
  readonly argv: readonly string[];
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * runCommand without the process: reads `io.argv`, and only when it asks for neither help nor
 * something wrong, runs `main`; returns the exit code: main's number, or 0, or the failure's.
 */
export async function commandExitCode<T>(
  command: CommandText,
  parse: (argv: readonly string[]) => Parsed<T>,
  main: CommandMain<T>,
  options: RunCommandOptions,
  io: CommandIo,
): Promise<number> {
  try {
    const outcome = commandLineOutcome(command, parse, io.argv);
    if (outcome.kind === "exit") {
      io.stdout(outcome.stdout);
      io.stderr(outcome.stderr);
      return outcome.code;
    }
    return (await main(outcome.options)) ?? 0;
  } catch (error) {
    const failure = failureOutcome(command, error, options);
    io.stderr(failure.stderr);
    return failure.code;
  }
}

/**
 * Every entry point's one statement: reads the command line (`--help` prints the usage, exit 0;
 * a wrong line is refused in one line, exit 2; either before anything is done), runs `main`,
 * tells a failure as failureOutcome says, and exits with the code. It exits rather than waits
 * for the event loop to empty: the command is over when `main` settles, and a handle a library
 * left open (a child's pipe, a timer, a gRPC channel) must not keep it running. Nothing written
 * is lost by that: on Linux, writes to stdout and stderr are synchronous for files, pipes and
 * terminals alike.
 */
export function runCommand<T>(
  command: CommandText,
  parse: (argv: readonly string[]) => Parsed<T>,
  main: CommandMain<T>,
  options: RunCommandOptions = {},
): void {
  void commandExitCode(command, parse, main, options, {
    argv: process.argv.slice(2),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => process.exit(code));
}
