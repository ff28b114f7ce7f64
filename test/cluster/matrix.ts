/**
 * The permission matrix: each checked cell (who, which verb, on what, where), what we expect and
 * what the API server answered, printed as one table per subject.
 */

/** How a cell was answered: a SubjectAccessReview, or a real impersonated request. */
export type CheckedBy = "review" | "request";

export interface Cell {
  readonly subject: string;
  readonly verb: string;
  /** `secrets`, `apps/deployments`, `bitnami.com/sealedsecrets/status`, or a described request. */
  readonly resource: string;
  /** A namespace, or CLUSTER_WIDE. */
  readonly namespace: string;
  readonly expected: boolean;
  readonly actual: boolean;
  readonly checkedBy: CheckedBy;
  /** The server's message for a real request, when it refused. */
  readonly detail?: string;
}

/** The namespace column of a cluster-scoped or all-namespaces check. */
export const CLUSTER_WIDE = "(cluster)";

const VERB_ORDER = ["get", "list", "watch", "create", "update", "patch", "delete", "bind"];

export class Matrix {
  private readonly cells: Cell[] = [];

  /** Records cells and returns a line for each one the server answered other than expected. */
  record(cells: readonly Cell[]): string[] {
    this.cells.push(...cells);
    return cells.filter((cell) => cell.expected !== cell.actual).map(describeFailure);
  }

  /** One table per subject: a row per namespace and resource, a column per verb. */
  render(): string {
    const lines = [
      "Permission matrix (yes = allowed, no = denied; ! = not as expected; * = real impersonated request, else SubjectAccessReview)",
    ];
    const subjects = [...new Set(this.cells.map((cell) => cell.subject))];
    for (const subject of subjects) {
      const cells = this.cells.filter((cell) => cell.subject === subject);
      const verbs = [...new Set(cells.map((cell) => cell.verb))].sort(
        (a, b) => verbRank(a) - verbRank(b),
      );
      const rows = new Map<
        string,
        { namespace: string; resource: string; byVerb: Map<string, string> }
      >();
      for (const cell of cells) {
        const key = `${cell.namespace}\u0000${cell.resource}`;
        const row = rows.get(key) ?? {
          namespace: cell.namespace,
          resource: cell.resource,
          byVerb: new Map<string, string>(),
        };
        const mark = `${cell.actual ? "yes" : "no"}${cell.expected === cell.actual ? "" : "!"}${cell.checkedBy === "request" ? "*" : ""}`;
        row.byVerb.set(cell.verb, mark);
        rows.set(key, row);
      }
      const table = [
        ["namespace", "resource", ...verbs],
        ...[...rows.values()].map((row) => [
          row.namespace,
          row.resource,
          ...verbs.map((verb) => row.byVerb.get(verb) ?? ""),
        ]),
      ];
      lines.push("", subject, ...formatTable(table));
    }
    return lines.join("\n");
  }
}

function verbRank(verb: string): number {
  const index = VERB_ORDER.indexOf(verb);
  return index === -1 ? VERB_ORDER.length : index;
}

function describeFailure(cell: Cell): string {
  const where = cell.namespace === CLUSTER_WIDE ? "cluster-wide" : `in namespace ${cell.namespace}`;
  const expected = cell.expected ? "allowed" : "denied";
  const actual = cell.actual ? "allowed" : "denied";
  const how = cell.checkedBy === "request" ? "real request" : "SubjectAccessReview";
  const detail = cell.detail ? ` (${cell.detail})` : "";
  return `${cell.subject} ${cell.verb} ${cell.resource} ${where}: expected ${expected}, ${how} says ${actual}${detail}`;
}

function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows.map((row) =>
    row
      .map((text, column) => text.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
