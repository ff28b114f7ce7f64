/**
 * The shared command-line reader (tools/cliArgs.ts): what it accepts, the one line it says for
 * each mistake, `--help` on every command, the exit an entry point takes for each, and how an
 * entry point tells a failure.
 */
import { describe, expect, it } from "vitest";
import {
  commandExitCode,
  commandLineOutcome,
  EXIT_USAGE,
  failureOutcome,
  HELP,
  parseCommandLine,
  parseNoArguments,
  UsageError,
  type CommandMain,
  type RunCommandOptions,
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
    // Without a sensitive flag the stray word is named, visibly.
    expect(() => parseCommandLine(["--", "--list"], { list: { type: "boolean" } })).toThrow(
      'unexpected argument "--list"',
    );
    expect(() => parseNoArguments(["dev\u202e"])).toThrow('unexpected argument "dev\\u202E"');
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

  it("names the flag, not the =, for a short flag given a value with = that takes none", () => {
    expect(refusal(["-h=yes"])).toBe("-h takes no value");
    expect(refusal(["-h="])).toBe("-h takes no value");
    expect(refusal(["-x=1"])).toBe("unknown flag -x");
    const withQuiet = { ...FLAGS, quiet: { type: "boolean", short: "q" } } as const;
    expect(() => parseCommandLine(["-q=1"], withQuiet)).toThrow(
      new UsageError("-q takes no value"),
    );
    // The flags before the = in a group are read as flags still; the one before it gets the rest.
    expect(() => parseCommandLine(["-qh=no"], withQuiet)).toThrow(
      new UsageError("-h takes no value"),
    );
    expect(() => parseCommandLine(["-qx=no"], withQuiet)).toThrow(
      new UsageError("unknown flag -x"),
    );
    // A short flag that takes a value took the rest of the word already, = and all.
    expect(() => parseCommandLine(["-qn=shop"], withQuiet)).toThrow(
      new UsageError("-n=shop: write -n shop or --namespace=shop"),
    );
    expect(parseCommandLine(["-qnx=y"], withQuiet)).toMatchObject({
      flags: { quiet: true, namespace: "x=y" },
    });
    // A word that is only "-=" names itself; after -- a word is never a flag.
    expect(refusal(["-="])).toBe("unknown flag -=");
    expect(parse(["--", "-h=yes"], true)).toMatchObject({ positionals: ["-h=yes"] });
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

  it("keeps a usage error to one line, whatever value its message holds", () => {
    const parse = (): never => {
      throw new UsageError('unknown tool "kube\nseal\u202e"');
    };
    expect(commandLineOutcome(command, parse, [])).toMatchObject({
      code: EXIT_USAGE,
      stderr: 'demo: unknown tool "kube\\u000Aseal\\u202E"; see `npm run demo -- --help`\n',
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

describe("failureOutcome", () => {
  const command = { name: "demo", usage: "Do a demo.\n" };

  it("tells an error by its message alone, exit 1", () => {
    expect(failureOutcome(command, new Error("the git server did not start"))).toEqual({
      code: 1,
      stderr: "demo: the git server did not start\n",
    });
  });

  it("tells a usage error thrown while running as a wrong command line, exit 2", () => {
    expect(failureOutcome(command, new UsageError("no stack matched"))).toEqual({
      code: EXIT_USAGE,
      stderr: "demo: no stack matched; see `npm run demo -- --help`\n",
    });
  });

  it("shows where a bug is: JavaScript's own errors with their stack", () => {
    let bug: unknown;
    try {
      JSON.parse("{");
    } catch (error) {
      bug = error;
    }
    const { code, stderr } = failureOutcome(command, bug);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^demo: SyntaxError: [^\n]*JSON[^\n]*\n {4}at /);
    expect(stderr).toContain("cliArgs.test.ts");
    expect(failureOutcome(command, "a string")).toEqual({
      code: 1,
      stderr: 'demo: a value that is no Error was thrown: "a string"\n',
    });
  });

  it("starts every line of a message of several lines with the command's name", () => {
    const failures = new Error("kubeseal: go build failed\ncontrol-plane: no Go on PATH");
    expect(failureOutcome(command, failures)).toEqual({
      code: 1,
      stderr: "demo: kubeseal: go build failed\ndemo: control-plane: no Go on PATH\n",
    });
    const described = failureOutcome(command, new Error("raw"), {
      describeFailure: () => ({ message: "first\nsecond", exitCode: 4 }),
    });
    expect(described).toEqual({ code: 4, stderr: "demo: first\ndemo: second\n" });
    expect(failureOutcome(command, new Error("no such file /tmp/\u001b[2Jx\r"))).toEqual({
      code: 1,
      stderr: "demo: no such file /tmp/\\u001B[2Jx\\u000D\n",
    });
  });

  it("leaves out blank lines, which would print the command's name with nothing after it", () => {
    const failures = new Error("kubeseal: go build failed\n\n \ncontrol-plane: no Go on PATH\n");
    expect(failureOutcome(command, failures)).toEqual({
      code: 1,
      stderr: "demo: kubeseal: go build failed\ndemo: control-plane: no Go on PATH\n",
    });
    const described = failureOutcome(command, new Error("raw"), {
      describeFailure: () => ({ message: "go: build failed\n", exitCode: 4 }),
    });
    expect(described).toEqual({ code: 4, stderr: "demo: go: build failed\n" });
    expect(failureOutcome(command, new Error("\n"))).toEqual({
      code: 1,
      stderr: "demo: failed, with an empty error message\n",
    });
  });

  it("lets the command describe its own failures first", () => {
    class LockedError extends Error {}
    const options: RunCommandOptions = {
      describeFailure: (error) =>
        error instanceof LockedError ? { message: "locked; try later", exitCode: 3 } : undefined,
    };
    expect(failureOutcome(command, new LockedError("raw"), options)).toEqual({
      code: 3,
      stderr: "demo: locked; try later\n",
    });
    expect(failureOutcome(command, new Error("other"), options)).toEqual({
      code: 1,
      stderr: "demo: other\n",
    });
  });
});

describe("commandExitCode", () => {
  const command = { name: "demo", usage: "Do a demo.\n" };

  /** Runs `main` through the command line `argv`, recording what it was given and printed. */
  async function run(argv: string[], main: CommandMain<unknown>) {
    const printed = { stdout: "", stderr: "" };
    const given: unknown[] = [];
    const code = await commandExitCode(
      command,
      parseNoArguments,
      (options) => {
        given.push(options);
        return main(options);
      },
      {},
      {
        argv,
        stdout: (text) => (printed.stdout += text),
        stderr: (text) => (printed.stderr += text),
      },
    );
    return { code, given, ...printed };
  }

  const succeed = () => Promise.resolve();

  it("runs main with the options and exits 0, or with the code main returns", async () => {
    expect(await run([], succeed)).toEqual({
      code: 0,
      given: [{ help: false, flags: {}, positionals: [] }],
      stdout: "",
      stderr: "",
    });
    expect((await run([], () => Promise.resolve(3))).code).toBe(3);
  });

  it("never runs main for --help or a wrong command line", async () => {
    expect(await run(["--help"], succeed)).toEqual({
      code: 0,
      given: [],
      stdout: command.usage,
      stderr: "",
    });
    expect(await run(["--bogus"], succeed)).toEqual({
      code: EXIT_USAGE,
      given: [],
      stdout: "",
      stderr: "demo: unknown flag --bogus; see `npm run demo -- --help`\n",
    });
  });

  it("tells what main threw, and what parse threw besides a usage error", async () => {
    const failed = await run([], () =>
      Promise.reject<never>(new Error("pulumi up failed (exit 255)")),
    );
    expect(failed).toMatchObject({ code: 1, stderr: "demo: pulumi up failed (exit 255)\n" });
    let stderr = "";
    const broken = await commandExitCode(
      command,
      () => {
        throw new RangeError("a bug in parse");
      },
      succeed,
      {},
      { argv: [], stdout: () => undefined, stderr: (text) => (stderr += text) },
    );
    expect(broken).toBe(1);
    expect(stderr).toMatch(/^demo: RangeError: a bug in parse\n {4}at /);
  });
});
