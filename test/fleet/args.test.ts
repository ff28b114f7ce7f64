/** The fleet command's flags: defaults, paths relative to where the user typed, and refusals. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_LOG_DIR, parseFleetArgs, UsageError } from "../../tools/fleet/args";
import { REPO_ROOT } from "../../tools/repoRoot";

const parse = (argv: string[]) => parseFleetArgs(argv, "/home/ops");

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
      parse([
        "up",
        "--stacks",
        "prod-*",
        "--concurrency",
        "4",
        "--json",
        "--log-dir",
        "logs/today",
        "--work-dir",
        "/srv/k8s-flux",
      ]),
    ).toEqual({
      help: false,
      operation: "up",
      stacksSelector: "prod-*",
      concurrency: 4,
      json: true,
      logDir: "/home/ops/logs/today",
      workDir: "/srv/k8s-flux",
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

  it("refuses a concurrency that is not a whole number of at least 1", () => {
    for (const value of ["0", "-1", "1.5", "two", ""]) {
      expect(() => parse(["up", `--concurrency=${value}`]), value).toThrow(
        `--concurrency "${value}": expected a whole number of at least 1`,
      );
    }
  });

  it("refuses unknown flags as a usage error", () => {
    expect(() => parse(["up", "--stack", "prod"])).toThrow(UsageError);
  });

  it("needs no operation for --help", () => {
    expect(parse(["--help"]).help).toBe(true);
  });
});
