/** The fleet command's flags: defaults, paths relative to where the user typed, and refusals. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_LOG_DIR,
  MAX_CONCURRENCY,
  parseFleetArgs,
  UsageError,
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
    expect(parse(["up", "--concurrency", "1"]).concurrency).toBe(1);
    expect(parse(["up", "--concurrency", "64"]).concurrency).toBe(64);
    for (const value of ["0", "-1", "1.5", "two", "", "01", " 2", "65", "99999999999999999999"]) {
      expect(() => parse(["up", `--concurrency=${value}`]), value).toThrow(
        new UsageError(`--concurrency "${value}": expected a whole number from 1 to 64`),
      );
    }
  });

  it("refuses an empty directory flag rather than take the current directory", () => {
    expect(() => parse(["up", "--log-dir", ""])).toThrow(
      new UsageError('--log-dir "": expected a directory'),
    );
    expect(() => parse(["up", "--work-dir="])).toThrow(
      new UsageError('--work-dir "": expected a directory'),
    );
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
    expect(parseFleetArgs(["drift", "--log-dir", "logs/new"], scratch).logDir).toBe(
      join(scratch, "logs", "new"),
    );
    expect(() => parseFleetArgs(["drift", "--log-dir", "notes.txt"], scratch)).toThrow(
      new UsageError(`--log-dir "${join(scratch, "notes.txt")}": not a directory`),
    );
  });

  it("refuses unknown flags as a usage error", () => {
    expect(() => parse(["up", "--stack", "prod"])).toThrow(UsageError);
  });

  it("needs no operation for --help", () => {
    expect(parse(["--help"]).help).toBe(true);
  });
});
