/**
 * How messages show the values they quote. Every message is read in a terminal or CI log, so
 * nothing quoted may hide, reorder or fake text around it. Shared by the components' argument
 * errors and the config layer's messages.
 */

/**
 * Characters that print as nothing, reorder text (bidirectional overrides) or look like a plain
 * space: format (Cf), private-use (Co), unassigned (Cn) and separators other than the space.
 * JSON.stringify escapes control characters (Cc) itself.
 */
const INVISIBLE = /[\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu;

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
