/**
 * How messages show the values they quote. Every message is read in a terminal or CI log, so
 * nothing quoted may hide, reorder or fake text around it. Shared by the components' argument
 * errors and the config layer's messages.
 */

/**
 * Characters a reader cannot see as themselves: controls (Cc); format characters (Cf), which
 * print as nothing or reorder text (bidirectional overrides); private-use (Co), unassigned (Cn)
 * and lone surrogates (Cs), which have no glyph of their own; separators other than the space;
 * Default_Ignorable_Code_Point, which renderers are told to show as nothing whatever its
 * category (combining grapheme joiner, variation selectors, Mongolian and Khmer fillers, the
 * Hangul fillers U+115F, U+1160, U+3164 and U+FFA0); and U+2800, the braille blank, a letter
 * that prints as a space.
 */
export const INVISIBLE_CHARACTER =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Zs}\p{Default_Ignorable_Code_Point}\u2800]/u;
const EVERY_INVISIBLE_CHARACTER = new RegExp(INVISIBLE_CHARACTER.source, "gu");

/** `\u202E`-style, as a reader can type it back; code points above U+FFFF as `\u{1F600}`. */
export const escapedCodePoint = (character: string): string => {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase();
  return codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`;
};

/**
 * Text from elsewhere (a server's message, a plugin's error, a path) as a message shows it
 * within its own words: unquoted, with every invisible character escaped but the space and
 * those in `kept` (line breaks of a multi-line hint).
 */
export const visibleText = (text: string, kept = ""): string =>
  text.replace(EVERY_INVISIBLE_CHARACTER, (character) =>
    character === " " || kept.includes(character) ? character : escapedCodePoint(character),
  );

/**
 * A value as a message shows it: strings in double quotes with every invisible character
 * escaped, numbers as JavaScript reads them (-0 stays -0), anything else as JSON.
 */
export function quoted(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  const text = JSON.stringify(value) ?? String(value);
  // JSON.stringify has escaped the C0 controls and lone surrogates already; not DEL or C1.
  return visibleText(text);
}

/** How a message names one character: visibly, whatever it is. */
export function describeCharacter(character: string): string {
  if (character === " ") return "a space";
  if (/^[\x21-\x7e]$/.test(character)) return quoted(character);
  return `the invisible or non-ASCII character ${escapedCodePoint(character)}`;
}
