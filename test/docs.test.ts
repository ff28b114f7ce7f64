/**
 * The docs against the code: every `k8s-flux:` key the schema accepts is documented in
 * docs/configuration.md and nothing else is, every relative link in the README and docs/
 * resolves, anchors included, and every `npm run` they name is a script of package.json.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_NAMESPACE } from "../stacks/names";
import { settingNamesAt } from "../stacks/schemaShape";
import { LOCAL_STACK } from "../tools/local/project";
import { recoveryCommandLines } from "../tools/local/recovery";
import { REPO_ROOT } from "../tools/repoRoot";

const CONFIGURATION_DOC = join(REPO_ROOT, "docs", "configuration.md");

/**
 * Every key a user can set below `path`, read from the schema's own shape: each field of a
 * section, and a list of entries as the list itself plus each entry field as `list[i].field`.
 * Sections are groupings, not settings, so they are not listed themselves.
 */
function settableKeys(path: readonly (string | number)[] = [], label = ""): string[] {
  return settingNamesAt(path).flatMap((name) => {
    const key = label === "" ? name : `${label}.${name}`;
    const section = [...path, name];
    if (settingNamesAt(section).length > 0) return settableKeys(section, key);
    const entry = [...section, 0];
    if (settingNamesAt(entry).length > 0) return [key, ...settableKeys(entry, `${key}[i]`)];
    return [key];
  });
}

/** Keys in the first cell of a table row, as `k8s-flux:...`. */
function documentedKeys(markdown: string): string[] {
  const row = new RegExp(`^\\|\\s*\`(${CONFIG_NAMESPACE}:[^\`]+)\`\\s*\\|`);
  return markdown.split("\n").flatMap((line) => row.exec(line)?.[1] ?? []);
}

const duplicates = (items: readonly string[]): string[] =>
  items.filter((item, index) => items.indexOf(item) !== index);

describe("docs/configuration.md", () => {
  const schemaKeys = settableKeys().map((key) => `${CONFIG_NAMESPACE}:${key}`);
  const documented = documentedKeys(readFileSync(CONFIGURATION_DOC, "utf8"));

  it("documents every key the schema accepts, and no other", () => {
    expect({
      undocumented: schemaKeys.filter((key) => !documented.includes(key)),
      documentedButNotInSchema: documented.filter((key) => !schemaKeys.includes(key)),
    }).toEqual({ undocumented: [], documentedButNotInSchema: [] });
  });

  it("documents each key once", () => {
    expect(duplicates(documented)).toEqual([]);
  });
});

/** Fenced code blocks and HTML comments hold no links and no headings. */
const prose = (markdown: string): string =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "").replace(/<!--[\s\S]*?-->/g, "");

/** GitHub's anchors: lower case, punctuation dropped, spaces as "-", repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, text = ""] of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

function markdownFiles(): string[] {
  const docs = join(REPO_ROOT, "docs");
  const inDocs = readdirSync(docs, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(docs, name));
  return [join(REPO_ROOT, "README.md"), ...inDocs].sort();
}

/** Each relative link that does not lead to a file, or to a heading of the file it names. */
function brokenLinks(file: string): string[] {
  const markdown = readFileSync(file, "utf8");
  const text = prose(markdown).replace(/`[^`\n]*`/g, "");
  const broken: string[] = [];
  for (const [, target = ""] of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = "", anchor] = target.split("#", 2);
    const destination = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    const where = `${relative(REPO_ROOT, file)}: ${target}`;
    if (!existsSync(destination)) {
      broken.push(`${where} (no such file)`);
    } else if (anchor !== undefined) {
      const isMarkdown = statSync(destination).isFile() && destination.endsWith(".md");
      if (!isMarkdown || !anchors(readFileSync(destination, "utf8")).has(anchor)) {
        broken.push(`${where} (no such heading)`);
      }
    }
  }
  return broken;
}

describe("links in README.md and docs/", () => {
  it.each(markdownFiles().map((file) => [relative(REPO_ROOT, file), file]))(
    "%s: every relative link resolves",
    (_name, file) => {
      expect(brokenLinks(file)).toEqual([]);
    },
  );
});

/** Every `npm run <script>` the README and docs name, code blocks included, by file. */
function namedScripts(): { file: string; script: string }[] {
  return markdownFiles().flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/npm run (?:--silent )?([a-z][\w:-]*\w)/g)].map(
      ([, script = ""]) => ({ file: relative(REPO_ROOT, file), script }),
    ),
  );
}

describe("commands in README.md and docs/", () => {
  it("name only npm scripts that package.json defines", () => {
    const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const named = namedScripts();
    expect(named.length).toBeGreaterThan(0);
    const undefinedScripts = named
      .filter(({ script }) => !Object.hasOwn(packageJson.scripts, script))
      .map(({ file, script }) => `${file}: npm run ${script}`);
    expect([...new Set(undefinedScripts)]).toEqual([]);
  });
});

describe("README.md", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

  it("stays short; the details live in docs/", () => {
    expect(readme.trimEnd().split("\n").length).toBeLessThanOrEqual(200);
  });

  it("links every page in docs/", () => {
    const linked = [...prose(readme).matchAll(/\]\((docs\/[^)#\s]+\.md)/g)].map(([, path]) => path);
    const pages = markdownFiles()
      .map((file) => relative(REPO_ROOT, file))
      .filter((path) => path.startsWith("docs/"));
    expect(pages.filter((page) => !linked.includes(page))).toEqual([]);
  });

  it("gives the set-up commands in one code block", () => {
    const blocks = [...readme.matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map(([, body = ""]) =>
      body.split("\n").map((line) => line.replace(/#.*/, "").trim()),
    );
    expect(blocks.some((lines) => lines.includes("npm ci") && lines.includes("npm test"))).toBe(
      true,
    );
  });
});

describe("docs/operations/recovering-from-interruptions.md", () => {
  it("gives for the local stack the pulumi commands the recovery runs, in order", () => {
    const page = readFileSync(
      join(REPO_ROOT, "docs", "operations", "recovering-from-interruptions.md"),
      "utf8",
    );
    const section = page.slice(page.indexOf("\n## The local stack"));
    const block = /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1] ?? "";
    const commands = block
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /^(\w+=\S+ )?pulumi /.test(line));
    expect(commands).toEqual(recoveryCommandLines(LOCAL_STACK));
  });
});
