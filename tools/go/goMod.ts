/**
 * Reading and writing our wrapper go.mod files. A wrapper requires the pinned modules and
 * repeats the replace lines the build needs; `--repin` writes it afresh from the tool's
 * definition and lets go fill in the rest, and the build refuses a wrapper that disagrees.
 */
import type { GoTool } from "./goTool";

export interface GoModPins {
  /** module -> version, from require lines in either form. */
  requires: Map<string, string>;
  /** module -> "path version" or "./dir", from replace lines in either form. */
  replaces: Map<string, string>;
}

/** Module versions a go.mod requires and replaces, whatever block or line form it uses. */
export function parsePins(goMod: string): GoModPins {
  const requires = new Map<string, string>();
  const replaces = new Map<string, string>();
  let block: "require" | "replace" | undefined;
  for (const raw of goMod.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (line === ")") {
      block = undefined;
      continue;
    }
    const opened = /^(require|replace)\s*\($/.exec(line);
    if (opened) {
      block = opened[1] as "require" | "replace";
      continue;
    }
    const single = /^(require|replace)\s+(.*)$/.exec(line);
    const kind = single ? (single[1] as "require" | "replace") : block;
    const body = single ? (single[2] as string) : line;
    if (kind === "require") {
      const [module, version] = body.split(/\s+/);
      if (module && version) requires.set(module, version);
    } else if (kind === "replace") {
      const match = /^(\S+)(?:\s+\S+)?\s+=>\s+(\S+(?:\s+\S+)?)$/.exec(body);
      if (match?.[1] && match[2]) replaces.set(match[1], match[2].replace(/\s+/, " "));
    }
  }
  return { requires, replaces };
}

/** The `go` and `godebug` lines of a go.mod, which a wrapper copies so the build behaves alike. */
export function goDirectives(goMod: string): { go?: string; godebug: string[] } {
  const go = /^go\s+(\S+)\s*$/m.exec(goMod)?.[1];
  const godebug = [...goMod.matchAll(/^godebug\s+(\S+)\s*$/gm)].map((m) => m[1] as string);
  return { go, godebug };
}

export function modulePath(goMod: string): string | undefined {
  return /^module\s+(\S+)\s*$/m.exec(goMod)?.[1];
}

/** Everything the tools sharing one wrapper pin in it: their union, in a stable order. */
export function wrapperPins(tools: GoTool[]): {
  requires: Record<string, string>;
  replaces: Record<string, string>;
  toolPackages: string[];
} {
  const requires: Record<string, string> = {};
  const replaces: Record<string, string> = {};
  const toolPackages = new Set<string>();
  for (const tool of tools) {
    Object.assign(requires, tool.requires);
    Object.assign(replaces, tool.replaces);
    for (const pkg of Object.values(tool.binaries)) {
      // Packages of the wrapper itself build as they are; only others' need a tool line.
      if (!pkg.startsWith(".")) toolPackages.add(pkg);
    }
  }
  return { requires, replaces, toolPackages: [...toolPackages].sort() };
}

/** What in a wrapper's go.mod disagrees with the tool's pins, one phrase each; empty when none. */
export function wrapperProblems(tool: GoTool, goMod: string): string[] {
  const { requires, replaces } = parsePins(goMod);
  const problems: string[] = [];
  for (const [module, version] of Object.entries(tool.requires)) {
    const required = requires.get(module);
    if (required !== version) {
      problems.push(`requires ${module} ${required ?? "(nothing)"}, not ${version}`);
    }
  }
  for (const [module, target] of Object.entries(tool.replaces ?? {})) {
    const replaced = replaces.get(module);
    if (replaced !== target) {
      problems.push(`replaces ${module} with ${replaced ?? "(nothing)"}, not ${target}`);
    }
  }
  return problems;
}

export interface WrapperGoModInput {
  module: string;
  /** Who the wrapper builds, for the header. */
  names: string[];
  directives: { go?: string; godebug: string[] };
  toolPackages: string[];
  requires: Record<string, string>;
  replaces: Record<string, string>;
}

function block(keyword: string, lines: string[]): string[] {
  if (lines.length === 0) return [];
  if (lines.length === 1) return [`${keyword} ${lines[0]}`, ""];
  return [`${keyword} (`, ...lines.map((line) => `\t${line}`), ")", ""];
}

/**
 * A wrapper go.mod with only what we pin; go adds the indirect requirements. The upstream's
 * `toolchain` line is left out on purpose: it would make every build fetch that Go.
 */
export function wrapperGoMod(input: WrapperGoModInput): string {
  const sorted = (record: Record<string, string>): [string, string][] =>
    Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  return [
    `// Our wrapper module for ${input.names.join(" and ")}; see tool.ts beside this file.`,
    `// Written by \`npm run tools:build -- --repin ${input.names.join(" ")}\` from tools/go/versions.ts.`,
    `module ${input.module}`,
    "",
    ...(input.directives.go ? [`go ${input.directives.go}`, ""] : []),
    ...input.directives.godebug.flatMap((setting) => [`godebug ${setting}`, ""]),
    ...block("tool", input.toolPackages),
    ...block(
      "require",
      sorted(input.requires).map(([module, version]) => `${module} ${version}`),
    ),
    ...block(
      "replace",
      sorted(input.replaces).map(([module, target]) => `${module} => ${target}`),
    ),
  ].join("\n");
}
