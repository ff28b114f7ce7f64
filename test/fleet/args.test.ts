/**
 * The fleet command's command line: defaults, paths relative to where the user typed, refusals
 * in tools/cliArgs.ts's words and the fleet's own, and --help before any of them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandLineOutcome, HELP, UsageError } from "../../tools/cliArgs";
import {
  DEFAULT_LOG_DIR,
  FLEET_COMMAND,
  MAX_CONCURRENCY,
  parseFleetArgs,
} from "../../tools/fleet/args";
import { REPO_ROOT } from "../../tools/repoRoot";

const parse = (argv: string[]) => parseFleetArgs(argv, "/home/ops");

/** A directory holding a project (`project`, with Pulumi.yaml), an empty one and a file. */
let scratch = "";
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "k8s-flux-fleet-args-"));
  mkdirSync(join(scratch, "project"));
  writeFileSync(join(scratch, "project", "Pulumi.yaml"), "name: k8s-flux\nruntime: nodejs\n");
  mkdirSync(join(scratch, "empty"));
  writeFileSync(join(scratch, "notes.txt"), "not a directory\n");
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("parseFleetArgs", () => {
  it("defaults to every stack, two at once, a table, and this repository", () => {
    expect(parse(["drift"])).toEqual({
      help: false,
      operation: "drift",
      stacksSelector: "*",
      concurrency: 2,
      json: false,
      logDir: DEFAULT_LOG_DIR,
      workDir: REPO_ROOT,
    });
    expect(DEFAULT_LOG_DIR).toBe(join(REPO_ROOT, ".cache", "fleet", "logs"));
  });

  it("reads every flag, relative paths from where the user typed them", () => {
    expect(
      parseFleetArgs(
        [
          "up",
          "--stacks",
          "prod-*",
          "--concurrency",
          "4",
          "--json",
          "--log-dir",
          "logs/today",
          "--work-dir",
          "project",
        ],
        scratch,
      ),
    ).toEqual({
      help: false,
      operation: "up",
      stacksSelector: "prod-*",
      concurrency: 4,
      json: true,
      logDir: join(scratch, "logs", "today"),
      workDir: join(scratch, "project"),
    });
  });

  it("refuses a missing or unknown operation, and stacks given as arguments", () => {
    expect(() => parse([])).toThrow(
      new UsageError("no operation given; expected one of preview, up, refresh, drift"),
    );
    expect(() => parse(["destroy"])).toThrow(
      'unknown operation "destroy"; expected one of preview, up, refresh, drift',
    );
    expect(() => parse(["up", "prod"])).toThrow(
      'unexpected argument "prod"; give stacks with --stacks',
    );
  });

  it("takes a concurrency from 1 to 64, and refuses anything else", () => {
    expect(MAX_CONCURRENCY).toBe(64);
    expect(parse(["up", "--concurrency", "1"])).toMatchObject({ help: false, concurrency: 1 });
    expect(parse(["up", "--concurrency", "64"])).toMatchObject({ help: false, concurrency: 64 });
    for (const value of ["0", "-1", "1.5", "two", "01", " 2", "65", "99999999999999999999"]) {
      expect(() => parse(["up", `--concurrency=${value}`]), value).toThrow(
        new UsageError(`--concurrency "${value}": expected a whole number from 1 to 64`),
      );
    }
    expect(() => parse(["up", "--concurrency="])).toThrow(
      new UsageError("--concurrency needs a value"),
    );
    // Without "=", a value that starts with "-" may be a forgotten value before another flag.
    expect(() => parse(["up", "--concurrency", "-1"])).toThrow(
      new UsageError(
        '--concurrency needs a value; a value that starts with "-" must be written --concurrency=-1',
      ),
    );
  });

  it("refuses an empty directory flag rather than take the current directory", () => {
    expect(() => parse(["up", "--log-dir", ""])).toThrow(new UsageError("--log-dir needs a value"));
    expect(() => parse(["up", "--work-dir="])).toThrow(new UsageError("--work-dir needs a value"));
    expect(() => parse(["up", "--work-dir"])).toThrow(new UsageError("--work-dir needs a value"));
  });

  it("refuses a work directory that is missing, a file, or holds no project", () => {
    const expected = "expected the project's directory, with Pulumi.yaml";
    expect(() => parseFleetArgs(["drift", "--work-dir", "nowhere"], scratch)).toThrow(
      new UsageError(`--work-dir "${join(scratch, "nowhere")}": no such directory; ${expected}`),
    );
    expect(() => parseFleetArgs(["drift", "--work-dir", "notes.txt"], scratch)).toThrow(
      new UsageError(`--work-dir "${join(scratch, "notes.txt")}": not a directory; ${expected}`),
    );
    expect(() => parseFleetArgs(["drift", "--work-dir", "empty"], scratch)).toThrow(
      new UsageError(`--work-dir "${join(scratch, "empty")}": no Pulumi.yaml in it; ${expected}`),
    );
  });

  it("takes a log directory that does not exist yet (the run makes it), and refuses a file there", () => {
    expect(parseFleetArgs(["drift", "--log-dir", "logs/new"], scratch)).toMatchObject({
      help: false,
      logDir: join(scratch, "logs", "new"),
    });
    expect(() => parseFleetArgs(["drift", "--log-dir", "notes.txt"], scratch)).toThrow(
      new UsageError(`--log-dir "${join(scratch, "notes.txt")}": not a directory`),
    );
  });

  it("refuses unknown flags, a value for --json, and a flag given twice", () => {
    expect(() => parse(["up", "--stack", "prod"])).toThrow(new UsageError("unknown flag --stack"));
    expect(() => parse(["up", "--json=yes"])).toThrow(new UsageError("--json takes no value"));
    expect(() => parse(["up", "--stacks", "prod-*", "--stacks", "dev"])).toThrow(
      new UsageError("--stacks is given twice; give it once"),
    );
  });

  it("answers --help before any other check: no operation, a bad directory, a bad flag", () => {
    expect(parse(["--help"])).toBe(HELP);
    expect(parse(["-h"])).toBe(HELP);
    expect(parse(["destroy", "--work-dir", "/nonexistent", "--concurrency=0", "--help"])).toBe(
      HELP,
    );
    expect(parse(["up", "--bogus", "-h"])).toBe(HELP);
  });
});

describe("the fleet command line's outcome", () => {
  const outcome = (argv: string[]) =>
    commandLineOutcome(FLEET_COMMAND, (line) => parseFleetArgs(line, scratch), argv);

  it("prints the usage for --help, exit 0, whatever else is on the line", () => {
    expect(outcome(["drift", "--work-dir", "nowhere", "--help"])).toEqual({
      kind: "exit",
      code: 0,
      stdout: FLEET_COMMAND.usage,
      stderr: "",
    });
    expect(FLEET_COMMAND.usage).toMatch(
      /^Usage:\n {2}npm run fleet -- <preview\|up\|refresh\|drift> /m,
    );
    expect(FLEET_COMMAND.usage).toContain("  -h, --help ");
  });

  it("says what is wrong in one line, with where to find the help, exit 2", () => {
    expect(outcome(["drift", "--work-dir", "empty"])).toEqual({
      kind: "exit",
      code: 2,
      stdout: "",
      stderr: `fleet: --work-dir "${join(scratch, "empty")}": no Pulumi.yaml in it; expected the project's directory, with Pulumi.yaml; see \`npm run fleet -- --help\`\n`,
    });
    expect(outcome(["drift", "--concurrency", "4", "--stacks=prod-*"])).toMatchObject({
      kind: "run",
      options: { operation: "drift", concurrency: 4, stacksSelector: "prod-*" },
    });
  });
});
