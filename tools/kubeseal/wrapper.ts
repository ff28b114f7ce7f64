/**
 * Our wrapper go.mod must build the kubeseal that components/versions.ts pins. It is committed,
 * with its go.sum, so every build resolves the same module graph and go verifies every download
 * against it; `--repin` rewrites both after the pin moves.
 */
import { DECLARED_MODULE, SERVED_MODULE } from "./paths";

export interface WrapperPins {
  require?: string;
  replace?: string;
}

/** The versions go.mod requires and replaces kubeseal's module with. */
export function wrapperPins(goMod: string): WrapperPins {
  const escape = (text: string): string => text.replace(/[.]/g, "\\.");
  const require = new RegExp(`^\\s*(?:require\\s+)?${escape(DECLARED_MODULE)}\\s+(v\\S+)`, "m");
  const replace = new RegExp(
    `^\\s*replace\\s+${escape(DECLARED_MODULE)}\\s+=>\\s+${escape(SERVED_MODULE)}\\s+(v\\S+)`,
    "m",
  );
  return { require: require.exec(goMod)?.[1], replace: replace.exec(goMod)?.[1] };
}

/** One sentence per disagreement between go.mod and the pin; empty when they agree. */
export function wrapperProblems(goMod: string, version: string): string[] {
  const pins = wrapperPins(goMod);
  const problems: string[] = [];
  if (pins.require !== version) {
    problems.push(`requires ${DECLARED_MODULE} ${pins.require ?? "(nothing)"}`);
  }
  if (pins.replace !== version) {
    problems.push(`replaces it with ${SERVED_MODULE} ${pins.replace ?? "(nothing)"}`);
  }
  return problems;
}

/** `go mod edit` arguments that point the wrapper at `version`. */
export function repinArgs(version: string): string[] {
  return [
    "mod",
    "edit",
    `-require=${DECLARED_MODULE}@${version}`,
    `-replace=${DECLARED_MODULE}=${SERVED_MODULE}@${version}`,
  ];
}
