/**
 * `__proto__` as a key of the stack's settings. JSON.parse (which reads every structured value)
 * makes it an own key like any other, but zod's records skip it without an issue, since copying
 * it would replace the parsed object's prototype. So in a table keyed by the user (knownHosts,
 * resourceQuota, limitRange.default) it would vanish without a word. Every one, at any depth, is
 * taken out here, before the schema reads the values, and reported as an unknown setting with
 * its path. `constructor`, `prototype` and the like are plain own keys to zod, and each table's
 * rules judge them as any other name.
 */
import type { z } from "zod";
import { isRecord } from "./isRecord";

const PROTOTYPE_KEY = "__proto__";

/** The values with every own `__proto__` key removed, and an issue for each one removed. */
export function withoutPrototypeKeys(value: unknown): {
  readonly value: unknown;
  readonly issues: z.core.$ZodIssue[];
} {
  const issues: z.core.$ZodIssue[] = [];
  const walk = (node: unknown, path: readonly (string | number)[]): unknown => {
    if (Array.isArray(node)) return node.map((child, index) => walk(child, [...path, index]));
    if (!isRecord(node)) return node;
    if (Object.hasOwn(node, PROTOTYPE_KEY)) {
      issues.push({
        code: "unrecognized_keys",
        keys: [PROTOTYPE_KEY],
        path: [...path],
        input: node,
        message: `Unrecognized key: "${PROTOTYPE_KEY}"`,
      });
    }
    // fromEntries defines keys, so no key left can reach a prototype.
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => key !== PROTOTYPE_KEY)
        .map(([key, child]) => [key, walk(child, [...path, key])]),
    );
  };
  return { value: walk(value, []), issues };
}
