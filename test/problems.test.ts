/**
 * File and YAML problems in one line of words (tools/problems.ts), from real failures: the file
 * system's own errors and the yaml package's own parse errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, YAMLError } from "yaml";
import { fileProblem, yamlProblem } from "../tools/problems";

const dir = mkdtempSync(join(tmpdir(), "k8s-flux-problems-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("it did not fail");
}

describe("fileProblem", () => {
  it("says what went wrong for the usual errors", () => {
    const file = join(dir, "file");
    writeFileSync(file, "x");
    expect(fileProblem(errorOf(() => readFileSync(join(dir, "missing"))))).toBe("no such file");
    expect(fileProblem(errorOf(() => readFileSync(dir)))).toBe("it is a directory");
    expect(fileProblem(errorOf(() => readFileSync(join(file, "below"))))).toBe(
      "a part of the path is not a directory",
    );
  });

  it("falls back to the first line of any other error", () => {
    expect(fileProblem(new Error("something odd\nand more"))).toBe("something odd");
  });

  it("shows the path the system's message quotes with its invisible characters escaped", () => {
    const name = `\u202e${"x".repeat(300)}`;
    const problem = fileProblem(errorOf(() => readFileSync(join(dir, name))));
    expect(problem).toMatch(/^ENAMETOOLONG: name too long, open '.*\\u202Exxx/);
    expect(problem).not.toContain("\u202e");
  });

  it("names an error by its code alone when the path may be a secret", () => {
    const secret = `Sup3rS3cret${"x".repeat(300)}`;
    const tooLong = errorOf(() => readFileSync(join(dir, secret)));
    expect(fileProblem(tooLong, { pathMayBeSecret: true })).toBe("the path is too long");
    const odd = Object.assign(new Error(`EIO: i/o error, read '${secret}'`), { code: "EIO" });
    expect(fileProblem(odd, { pathMayBeSecret: true })).toBe("EIO");
    expect(
      fileProblem(
        errorOf(() => readFileSync(dir)),
        { pathMayBeSecret: true },
      ),
    ).toBe("it is a directory");
  });
});

describe("yamlProblem", () => {
  it("drops the excerpt and keeps the position, as words", () => {
    const error = errorOf(() => parse("a: 1\nb: c: d\n"));
    expect(error).toBeInstanceOf(YAMLError);
    const problem = yamlProblem(error as YAMLError);
    expect(problem).toBe("Nested mappings are not allowed in compact mappings (line 2, column 4)");
    expect(problem).not.toMatch(/column \d+:$/);
  });
});
