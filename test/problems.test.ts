/**
 * File and YAML problems in one line of words (tools/problems.ts), from real failures: the file
 * system's own errors and the yaml package's own parse errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, parseDocument, YAMLError } from "yaml";
import { keepEncryptionSalt } from "../tools/local/project";
import {
  fileProblem,
  parseJsonOr,
  readYamlDocument,
  readYamlFile,
  yamlProblem,
} from "../tools/problems";

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

describe("readYamlFile and readYamlDocument", () => {
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("read a YAML file, as data or as a document", () => {
    const path = file("good.yaml", "config:\n  k8s-flux:clusterName: dev\n");
    expect(readYamlFile(path)).toEqual({ config: { "k8s-flux:clusterName": "dev" } });
    expect(readYamlDocument(path).getIn(["config", "k8s-flux:clusterName"])).toBe("dev");
  });

  it("name the file and where its YAML goes wrong, in one line", () => {
    const path = file("Pulumi.broken.yaml", "config:\n  k8s-flux:a: b: c\n");
    expect(() => readYamlFile(path, "Pulumi.broken.yaml")).toThrow(
      new Error(
        "Pulumi.broken.yaml: Nested mappings are not allowed in compact mappings (line 2, column 15)",
      ),
    );
    expect(() => readYamlDocument(path)).toThrow(
      new Error(`${path}: Nested mappings are not allowed in compact mappings (line 2, column 15)`),
    );
    const duplicate = file("duplicate.yaml", "a: 1\na: 2\n");
    expect(() => readYamlFile(duplicate)).toThrow(
      new Error(`${duplicate}: Map keys must be unique (line 2, column 1)`),
    );
  });

  it("tell an alias with no anchor, which only reading the data finds, the same way", () => {
    const path = file("alias.yaml", "config:\n  k8s-flux:clusterName: *dev\n");
    expect(() => readYamlFile(path, "alias.yaml")).toThrow(
      new Error("alias.yaml: Unresolved alias (the anchor must be set before the alias): dev"),
    );
  });

  it("name a file that cannot be read", () => {
    expect(() => readYamlFile(join(dir, "missing.yaml"))).toThrow(
      new Error(`cannot read ${join(dir, "missing.yaml")}: no such file`),
    );
    expect(() => readYamlDocument(dir, "the stack file")).toThrow(
      new Error("cannot read the stack file: it is a directory"),
    );
  });

  it("leave a project copy's stack file that is not YAML alone: it holds the only salt", () => {
    const stackFile = file("Pulumi.local.yaml", "encryptionsalt: v1:abc\nconfig: [\n");
    const config = parseDocument("config: {}\n");
    expect(() => keepEncryptionSalt(config, stackFile)).toThrow(
      new RegExp(`^${stackFile}: .*\\(line \\d+, column \\d+\\)$`),
    );
    expect(readFileSync(stackFile, "utf8")).toBe("encryptionsalt: v1:abc\nconfig: [\n");
    writeFileSync(stackFile, "encryptionsalt: v1:abc\nconfig: {}\n");
    keepEncryptionSalt(config, stackFile);
    expect(config.get("encryptionsalt")).toBe("v1:abc");
  });
});

describe("parseJsonOr", () => {
  it("reads JSON, and turns text that is not into the command's own error", () => {
    const invalid = () => new Error("state.json is not a state file; remove it");
    expect(parseJsonOr('{"port": 2222}', invalid)).toEqual({ port: 2222 });
    expect(() => parseJsonOr('{"port": 22', invalid)).toThrow(invalid());
    expect(() => parseJsonOr("", invalid)).toThrow(invalid());
  });
});
