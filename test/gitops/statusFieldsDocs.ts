/**
 * The JSON of `npm run --silent local:status -- --json` as docs/development/gitops-stage.md
 * documents it (the tables of that section), and how a printed status differs from it, for the
 * unit check (localStatusFields.test.ts) and the local environment's spec.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/repoRoot";

export const STATUS_DOC = join(REPO_ROOT, "docs", "development", "gitops-stage.md");
const SECTION_HEADING = "### `npm run --silent local:status -- --json`";

export interface DocumentedStatusFields {
  /** The top-level fields, as the first table names them (`flux[]` is `flux`). */
  readonly top: readonly string[];
  /**
   * The fields of an object field or of a list's entries: from its type (`{ running, server }`)
   * or from a table of its own, whose first header cell is e.g. `` `flux[]` field``.
   */
  readonly nested: Readonly<Record<string, readonly string[]>>;
}

const unquoted = (cell: string): string => cell.replace(/`/g, "").trim();
const fieldName = (cell: string): string => unquoted(cell).replace(/\[\]$/, "");

/** `{ running: boolean, server: string or null }` → running, server; undefined for other types. */
function objectKeys(type: string): string[] | undefined {
  const text = unquoted(type);
  if (!text.startsWith("{") || !text.endsWith("}")) return undefined;
  return text
    .slice(1, -1)
    .split(",")
    .map((part) => part.split(":")[0]?.trim() ?? "");
}

function tablesOf(section: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of section.split("\n")) {
    if (!line.startsWith("|")) {
      current = undefined;
      continue;
    }
    const cells = line.split("|").slice(1, -1);
    if (cells.every((cell) => /^\s*-+\s*$/.test(cell))) continue;
    if (!current) tables.push((current = []));
    current.push(cells);
  }
  return tables;
}

export function documentedStatusFields(
  text = readFileSync(STATUS_DOC, "utf8"),
): DocumentedStatusFields {
  const start = text.indexOf(SECTION_HEADING);
  if (start === -1) throw new Error(`${STATUS_DOC} has no section ${SECTION_HEADING}`);
  const rest = text.slice(start + SECTION_HEADING.length);
  const next = rest.search(/^##? /m);
  const section = next === -1 ? rest : rest.slice(0, next);
  const top: string[] = [];
  const nested: Record<string, string[]> = {};
  for (const [header, ...rows] of tablesOf(section)) {
    const title = unquoted(header?.[0] ?? "");
    if (title === "field") {
      for (const [name = "", type = ""] of rows) {
        top.push(fieldName(name));
        const keys = objectKeys(type);
        if (keys) nested[fieldName(name)] = keys;
      }
    } else {
      const list = /^(\w+)\[\] field$/.exec(title)?.[1];
      if (!list) throw new Error(`${STATUS_DOC}: a table headed ${title} in ${SECTION_HEADING}`);
      nested[list] = rows.map(([name = ""]) => fieldName(name));
    }
  }
  return { top, nested };
}

const sorted = (keys: Iterable<string>): string => [...keys].sort().join(", ");

/**
 * Where the status's keys differ from the documented ones: the top level, each object field, and
 * each entry of each list. Empty when they agree.
 */
export function undocumentedDifferences(
  status: object,
  documented: DocumentedStatusFields = documentedStatusFields(),
): string[] {
  const differences: string[] = [];
  const compare = (
    where: string,
    actual: object,
    expected: readonly string[] | undefined,
  ): void => {
    if (expected === undefined) {
      differences.push(`${where}: no documented fields`);
    } else if (sorted(Object.keys(actual)) !== sorted(expected)) {
      differences.push(
        `${where}: prints ${sorted(Object.keys(actual))}; documented ${sorted(expected)}`,
      );
    }
  };
  compare("the top level", status, documented.top);
  for (const [name, value] of Object.entries(status)) {
    if (Array.isArray(value)) {
      value.forEach((entry: unknown, index) => {
        if (typeof entry === "object" && entry !== null) {
          compare(`${name}[${index}]`, entry, documented.nested[name]);
        }
      });
    } else if (typeof value === "object" && value !== null) {
      compare(name, value, documented.nested[name]);
    }
  }
  return differences;
}
