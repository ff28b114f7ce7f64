/**
 * Which stacks a run applies to: those the backend lists whose name matches the selector. A
 * selector is one glob or several separated by commas; `*` stands for any run of characters
 * and `?` for one. A glob without `/` is matched against the stack's own name, so `prod-*`
 * also selects `acme/prod-eu` where the backend lists stacks with their organization.
 *
 * Every glob must match at least one stack: a typo in one of several is an error, not a
 * silently smaller fleet. Nothing is ever run against a stack that no glob matched.
 */

export class NoStackMatchedError extends Error {
  override name = "NoStackMatchedError";
}

const STACK_GLOB = /^[A-Za-z0-9_.\-/*?]+$/;

/** The selector's globs; throws on an empty one or a character no stack name can hold. */
export function parseSelector(selector: string): string[] {
  const globs = selector.split(",").map((glob) => glob.trim());
  for (const glob of globs) {
    if (!STACK_GLOB.test(glob)) {
      throw new NoStackMatchedError(
        glob === ""
          ? `--stacks "${selector}": an empty glob; expected names or globs separated by commas, such as "prod-*,staging-eu"`
          : `--stacks "${selector}": "${glob}" can match no stack name; expected letters, digits, "_", ".", "-", "/" and the wildcards "*" and "?"`,
      );
    }
  }
  return globs;
}

function globToRegExp(glob: string): RegExp {
  const pattern = [...glob]
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char === "." ? "\\." : char))
    .join("");
  return new RegExp(`^${pattern}$`);
}

export function matchesGlob(stackName: string, glob: string): boolean {
  const candidate = glob.includes("/") ? stackName : (stackName.split("/").at(-1) ?? stackName);
  return globToRegExp(glob).test(candidate);
}

/** The listed stacks the selector matches, in the order given. */
export function selectStacks(listed: readonly string[], selector: string): string[] {
  const globs = parseSelector(selector);
  const known =
    listed.length === 0
      ? "the backend has no stack of this project"
      : `stacks in the backend: ${listed.join(", ")}`;
  const unmatched = globs.filter((glob) => !listed.some((name) => matchesGlob(name, glob)));
  if (unmatched.length > 0) {
    const which = unmatched.map((glob) => `"${glob}"`).join(", ");
    throw new NoStackMatchedError(
      `--stacks "${selector}": ${which} ${unmatched.length === 1 ? "matches" : "match"} no stack, so nothing was run; ${known}`,
    );
  }
  return listed.filter((name) => globs.some((glob) => matchesGlob(name, glob)));
}
