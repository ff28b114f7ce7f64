/** Plain-text tables for the local environment's commands. */

/** Rows as lines, every column but the last padded to its widest cell. */
export function aligned(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>(
    (max, row) => row.map((cell, index) => Math.max(max[index] ?? 0, cell.length)),
    [],
  );
  return rows.map(
    (row) =>
      `  ${row.map((cell, index) => (index < row.length - 1 ? cell.padEnd(widths[index] ?? 0) : cell)).join("  ")}`,
  );
}
