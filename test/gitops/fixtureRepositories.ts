/**
 * The stage's repositories as the fixtures write them: folders under fixtures/repositories laid
 * over one another into a fresh directory, with `__NAME__` placeholders filled in. A placeholder
 * left without a value is an error, so no commit ever carries one.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FIXTURE_REPOSITORIES = join(__dirname, "fixtures", "repositories");

const PLACEHOLDER = /__([A-Z][A-Z0-9_]*)__/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A new directory under `scratch` with the layers (paths under the fixtures) laid in order. */
export function repositoryContent(
  scratch: string,
  layers: readonly string[],
  values: Readonly<Record<string, string>> = {},
): string {
  const dir = mkdtempSync(join(scratch, "content-"));
  for (const layer of layers) cpSync(join(FIXTURE_REPOSITORIES, layer), dir, { recursive: true });
  for (const file of filesUnder(dir)) {
    const text = readFileSync(file, "utf8");
    const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`${file}: no value for ${whole}`);
      return value;
    });
    if (filled !== text) writeFileSync(file, filled);
  }
  return dir;
}
