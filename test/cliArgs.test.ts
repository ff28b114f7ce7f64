/**
 * The shared command-line reader (tools/cliArgs.ts): what it accepts, the one line it says for
 * each mistake, `--help` on every command, and the exit an entry point takes for each.
 */
import { describe, expect, it } from "vitest";
import {
  commandLineOutcome,
  EXIT_USAGE,
  HELP,
  parseCommandLine,
  parseNoArguments,
  UsageError,
} from "../tools/cliArgs";

const FLAGS = {
  out: { type: "string" },
  list: { type: "boolean" },
  namespace: { type: "string", short: "n" },
  tag: { type: "string", multiple: true },
  "from-literal": { type: "string", sensitive: true },
} as const;

const parse = (argv: string[], positionals = false) =>
  parseCommandLine(argv, FLAGS, { positionals });

/** The message parseCommandLine throws for `argv`, which must be a UsageError. */
function refusal(argv: string[], positionals = false): string {
  try {
    parse(argv, positionals);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
}

describe("parseCommandLine", () => {
  it("reads flags in both forms, short ones, repeated ones and positionals", () => {
    expect(
      parse(["dev", "--out", "a", "--list", "-n", "shop", "--tag=x", "--tag", "y"], true),
    ).toEqual({
      help: false,
      flags: { out: "a", list: true, namespace: "shop", tag: ["x", "y"] },
      positionals: ["dev"],
    });
    expect(parse([])).toEqual({ help: false, flags: {}, positionals: [] });
  });

  it("takes a value that starts with a dash only in the = form", () => {
    expect(parse(["--out=-1"])).toMatchObject({ flags: { out: "-1" } });
    expect(refusal(["--out", "-1"])).toBe(
      '--out needs a value; a value that starts with "-" must be written --out=-1',
    );
    // A forgotten value before the next flag reads the same way, and says what to do.
    expect(refusal(["--out", "--list"])).toBe(
      '--out needs a value; a value that starts with "-" must be written --out=--list',
    );
    expect(refusal(["-n", "-x"])).toBe(
      '-n needs a value; a value that starts with "-" must be written --namespace=-x',
    );
  });

  it("says how to write a short flag's value that kubectl takes as -n=value", () => {
    expect(refusal(["-n=shop"])).toBe("-n=shop: write -n shop or --namespace=shop");
    expect(refusal(["-n="])).toBe("-n needs a value");
    expect(parse(["-nshop"])).toMatchObject({ flags: { namespace: "shop" } });
    // A long flag's "=" is the separator; the value may start with another one.
    expect(parse(["--namespace==x"])).toMatchObject({ flags: { namespace: "=x" } });
  });

  it("never repeats the value of a sensitive flag, nor a stray word where there is one", () => {
    const messages = [
      refusal(["--from-literal", "-s3cret"]),
      refusal(["--from-literal", "a=b", "s3cret"]),
      // The flag before it lacks its value, and takes the sensitive flag for it.
      refusal(["--out", "--from-literal=a=s3cret"]),
    ];
    expect(messages).toEqual([
      '--from-literal needs a value; a value that starts with "-" must be written --from-literal=VALUE',
      "unexpected argument #3, which is no flag's value",
      '--out needs a value; a value that starts with "-" must be written --out=VALUE',
    ]);
    for (const message of messages) expect(message).not.toContain("s3cret");
    const sensitiveShort = { key: { type: "string", short: "k", sensitive: true } } as const;
    expect(() => parseCommandLine(["-k=s3cret"], sensitiveShort)).toThrow(
      "-k=VALUE: write -k VALUE or --key=VALUE",
    );
    const withOut = { ...sensitiveShort, out: { type: "string" } } as const;
    expect(() => parseCommandLine(["--out", "-ks3cret"], withOut)).toThrow(
      '--out needs a value; a value that starts with "-" must be written --out=VALUE',
    );
    // A flag that holds no value is still named.
    expect(() => parseCommandLine(["--out", "-k"], withOut)).toThrow(
      '--out needs a value; a value that starts with "-" must be written --out=-k',
    );
  });

  it("says in one line what is wrong, naming the flag", () => {
    expect(refusal(["--bogus"])).toBe("unknown flag --bogus");
    expect(refusal(["-x"])).toBe("unknown flag -x");
    // Not read as a flag named after Object's prototype.
    expect(refusal(["--constructor"])).toBe("unknown flag --constructor");
    expect(refusal(["--out"])).toBe("--out needs a value");
    expect(refusal(["--out="])).toBe("--out needs a value");
    expect(refusal(["--out", ""])).toBe("--out needs a value");
    expect(refusal(["--list=yes"])).toBe("--list takes no value");
    expect(refusal(["--out", "a", "--out", "b"])).toBe("--out is given twice; give it once");
    expect(refusal(["stray"])).toBe("unexpected argument #1, which is no flag's value");
    // Without a sensitive flag the stray word is named.
    expect(() => parseCommandLine(["--", "--list"], { list: { type: "boolean" } })).toThrow(
      'unexpected argument "--list"',
    );
    for (const argv of [["--bogus"], ["--out"], ["--list=1"], ["stray"]]) {
      expect(refusal(argv)).not.toContain("\n");
    }
  });

  it("reports the first mistake in the order typed", () => {
    expect(refusal(["--list=1", "--bogus"])).toBe("--list takes no value");
    expect(refusal(["stray", "--bogus"])).toBe("unexpected argument #1, which is no flag's value");
  });

  it("treats everything after -- as positionals when the command takes them", () => {
    expect(parse(["--", "--out", "-h"], true)).toEqual({
      help: false,
      flags: {},
      positionals: ["--out", "-h"],
    });
  });

  it("answers -h and --help anywhere on the line, whatever else is there", () => {
    expect(parse(["--help"])).toBe(HELP);
    expect(parse(["-h"])).toBe(HELP);
    expect(parse(["--bogus", "stray", "-h"])).toBe(HELP);
    expect(parse(["--list", "-hx"])).toBe(HELP);
    expect(refusal(["--help=yes"])).toBe("--help takes no value");
  });

  it("refuses a command of ours that declares --help itself", () => {
    expect(() => parseCommandLine([], { help: { type: "boolean" } })).toThrow(/every command/);
  });
});

describe("parseNoArguments", () => {
  it("accepts nothing but -h/--help", () => {
    expect(parseNoArguments([])).toEqual({ help: false, flags: {}, positionals: [] });
    expect(parseNoArguments(["--help"])).toBe(HELP);
    expect(() => parseNoArguments(["--bogus"])).toThrow("unknown flag --bogus");
    expect(() => parseNoArguments(["now"])).toThrow('unexpected argument "now"');
  });
});

describe("commandLineOutcome", () => {
  const command = { name: "demo", usage: "Do a demo.\n\nUsage:\n  npm run demo\n" };

  it("runs with the options when the line is right", () => {
    expect(commandLineOutcome(command, parseNoArguments, [])).toEqual({
      kind: "run",
      options: { help: false, flags: {}, positionals: [] },
    });
  });

  it("prints the usage on stdout and exits 0 for --help", () => {
    expect(commandLineOutcome(command, parseNoArguments, ["-h"])).toEqual({
      kind: "exit",
      code: 0,
      stdout: command.usage,
      stderr: "",
    });
  });

  it("prints one line on stderr and exits 2 for a usage error", () => {
    expect(commandLineOutcome(command, parseNoArguments, ["--bogus"])).toEqual({
      kind: "exit",
      code: EXIT_USAGE,
      stdout: "",
      stderr: "demo: unknown flag --bogus; see `npm run demo -- --help`\n",
    });
    expect(EXIT_USAGE).toBe(2);
  });

  it("lets anything but a usage error through, as the bug it is", () => {
    const broken = (): never => {
      throw new TypeError("a bug");
    };
    expect(() => commandLineOutcome(command, broken, [])).toThrow(TypeError);
  });
});
