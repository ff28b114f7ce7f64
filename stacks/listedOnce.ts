import { z } from "zod";

/**
 * A list's rule that each entry is there once, as `keyOf` compares them. It also runs when some
 * entries failed (a number where a name belongs), so that one run reports every problem of the
 * list; those entries have their own problem and are skipped here. `duplicate` words the
 * problem of a later entry, given the earlier one it repeats, as written.
 */
export function listedOnce(
  duplicate: (entry: string, earlier: string) => string,
  keyOf: (entry: string) => string = (entry) => entry,
): z.core.$ZodCheck<string[]> {
  return z.superRefine<string[]>(
    (entries, ctx) => {
      const firstByKey = new Map<string, string>();
      entries.forEach((entry: unknown, index) => {
        if (typeof entry !== "string") return;
        const earlier = firstByKey.get(keyOf(entry));
        if (earlier === undefined) {
          firstByKey.set(keyOf(entry), entry);
          return;
        }
        ctx.addIssue({
          code: "custom",
          path: [index],
          input: entry,
          message: duplicate(entry, earlier),
        });
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  );
}
