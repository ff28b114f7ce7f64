/**
 * Our wrapper go.mod files must require exactly the pinned module versions; the build refuses a
 * wrapper that disagrees, and `--repin` moves it to the pins with `go get` and `go mod tidy`.
 * Replace lines stay as committed: each repeats one from an upstream go.mod that the build needs,
 * because Go ignores replace lines outside the main module.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { runGo } from "./go";
import { REPO_ROOT } from "./layout";
import type { GoTool } from "./tools";

/** Every `module version` pair a go.mod requires, in line or block form. */
export function requiredVersions(goMod: string): Map<string, string> {
  const required = new Map<string, string>();
  let inBlock = false;
  for (const raw of goMod.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (/^require\s*\($/.test(line)) inBlock = true;
    else if (line === ")") inBlock = false;
    else {
      const match = inBlock ? /^(\S+)\s+(\S+)$/.exec(line) : /^require\s+(\S+)\s+(\S+)$/.exec(line);
      if (match?.[1] && match[2]) required.set(match[1], match[2]);
    }
  }
  return required;
}

/** What in a wrapper disagrees with its pins, one phrase each; empty when it matches. */
export function wrapperProblems(tool: GoTool, goMod: string): string[] {
  const required = requiredVersions(goMod);
  return Object.entries(tool.requires)
    .filter(([module, version]) => required.get(module) !== version)
    .map(
      ([module, version]) =>
        `requires ${module} ${required.get(module) ?? "(nothing)"}, not ${version}`,
    );
}

export function checkWrapper(tool: GoTool): string | undefined {
  const goModPath = join(tool.wrapperDir, "go.mod");
  const problems = wrapperProblems(tool, readFileSync(goModPath, "utf8"));
  if (!existsSync(join(tool.wrapperDir, "go.sum"))) problems.push("has no go.sum next to it");
  if (problems.length === 0) return undefined;
  return (
    `${relative(REPO_ROOT, goModPath)} ${problems.join("; ")}; ` +
    "run `npx tsx tools/pulumi/build.ts --repin` and commit the wrapper's go.mod and go.sum"
  );
}

export async function repinWrapper(tool: GoTool): Promise<void> {
  const targets = Object.entries(tool.requires).map(([module, version]) => `${module}@${version}`);
  await runGo({ args: ["get", ...targets], cwd: tool.wrapperDir });
  await runGo({ args: ["mod", "tidy"], cwd: tool.wrapperDir });
}
