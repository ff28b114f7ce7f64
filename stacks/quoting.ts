/**
 * How messages write the values and keys they name. Every message about a setting is read in a
 * terminal or CI log, so nothing quoted may hide, reorder or fake text around it.
 */
import { CONFIG_NAMESPACE } from "./names";

/**
 * Characters that print as nothing, reorder text (bidirectional overrides) or look like a plain
 * space: format (Cf), private-use (Co), unassigned (Cn) and separators other than the space.
 * JSON.stringify escapes control characters (Cc) itself.
 */
const INVISIBLE = /[\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu;

/**
 * The first character of a text a reader cannot see as itself: a control character, or one of
 * INVISIBLE. `allowed` lists exceptions (a tab in known_hosts lines); the space always is one.
 */
export function firstInvisibleCharacter(text: string, allowed = ""): string | undefined {
  return [...text].find(
    (character) =>
      character !== " " &&
      !allowed.includes(character) &&
      /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(character),
  );
}

/** `\u202E`-style, as a reader can type it back; code points above U+FFFF as `\u{1F600}`. */
export const escapedCodePoint = (character: string): string => {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase();
  return codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`;
};

/**
 * A value as a message shows it: strings in double quotes with every invisible character
 * escaped, numbers as JavaScript reads them (-0 stays -0), anything else as JSON.
 */
export function quoted(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.replace(INVISIBLE, (character) =>
    character === " " ? character : escapedCodePoint(character),
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
