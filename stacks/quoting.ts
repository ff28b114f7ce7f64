/**
 * How messages write the values and keys they name. Every message about a setting is read in a
 * terminal or CI log, so nothing quoted may hide, reorder or fake text around it.
 */
import { INVISIBLE_CHARACTER, quoted } from "../components/shared/quotedText";
import { CONFIG_NAMESPACE } from "./names";

export { escapedCodePoint, quoted, visibleText } from "../components/shared/quotedText";

/**
 * The first character of a text a reader cannot see as itself (INVISIBLE_CHARACTER: controls,
 * characters that print as nothing, reorder text or look like a space). `allowed` lists
 * exceptions (a tab in known_hosts lines); the space always is one.
 */
export function firstInvisibleCharacter(text: string, allowed = ""): string | undefined {
  return [...text].find(
    (character) =>
      character !== " " && !allowed.includes(character) && INVISIBLE_CHARACTER.test(character),
  );
}

/**
 * `["applications", 1, "name"]` → `k8s-flux:applications[1].name`, as `pulumi config set --path`
 * reads it. The top-level key is shown as written. That command splits a path at every "." and
 * "[", so a nested key with anything but letters, digits, "_" and "-" in it (a host name such as
 * git.example.org) is quoted in brackets: `k8s-flux:knownHosts["git.example.org"]`.
 */
export const settingKey = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, segment, index) => {
    if (typeof segment === "number") return `${text}[${segment}]`;
    const name = String(segment);
    if (index === 0) return `${text}:${/^[\x21-\x7e]+$/.test(name) ? name : quoted(name)}`;
    return /^[A-Za-z0-9_-]+$/.test(name) ? `${text}.${name}` : `${text}[${quoted(name)}]`;
  }, CONFIG_NAMESPACE);
