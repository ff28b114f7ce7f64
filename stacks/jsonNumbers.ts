/**
 * The numbers of a JSON text as written. JavaScript reads `9007199254740993` as
 * 9007199254740992 and `1e400` as Infinity; a message about such a value must quote what the
 * user wrote, not what JavaScript made of it.
 */
import { quoted } from "./quoting";

type Frame = { kind: "object"; key: string } | { kind: "array"; index: number };

const NUMBER = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/;

/**
 * Numbers whose text differs from how JavaScript prints the value it reads, by dotted path
 * below `prefix` (`systemFlux.keyGeneration`, `applications.0.keyGeneration`). `json` must be
 * text JSON.parse accepted: only that is scanned.
 */
export function numbersAsTyped(json: string, prefix: string): Record<string, string> {
  const found: Record<string, string> = {};
  const frames: Frame[] = [];
  let position = 0;
  while (position < json.length) {
    const character = json[position] ?? "";
    const top = frames[frames.length - 1];
    if (character === '"') {
      let end = position + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === "\\" ? 2 : 1;
      const rest = json.slice(end + 1).trimStart();
      if (top?.kind === "object" && rest.startsWith(":")) {
        top.key = JSON.parse(json.slice(position, end + 1)) as string;
      }
      position = end + 1;
      continue;
    }
    const number = NUMBER.exec(json.slice(position))?.[0];
    if (number !== undefined) {
      if (quoted(Number(number)) !== number) {
        const path = frames.map((frame) => (frame.kind === "object" ? frame.key : frame.index));
        Object.defineProperty(found, [prefix, ...path].join("."), {
          value: number,
          enumerable: true,
        });
      }
      position += number.length;
      continue;
    }
    if (character === "{") frames.push({ kind: "object", key: "" });
    else if (character === "[") frames.push({ kind: "array", index: 0 });
    else if (character === "}" || character === "]") frames.pop();
    else if (character === "," && top?.kind === "array") top.index += 1;
    position += 1;
  }
  return found;
}
