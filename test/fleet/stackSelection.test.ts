/**
 * Which stacks a fleet run touches: globs against the names the backend lists, every glob
 * matching something, and nothing outside what they match.
 */
import { describe, expect, it } from "vitest";
import { matchesGlob, NoStackMatchedError, selectStacks } from "../../tools/fleet/stackSelection";

const LISTED = ["dev", "prod-eu", "prod-us", "prod-us-2", "staging-eu"];

describe("selectStacks", () => {
  it("takes every stack for *", () => {
    expect(selectStacks(LISTED, "*")).toEqual(LISTED);
  });

  it("matches the whole name: prod-* takes the prod stacks and nothing that merely contains prod", () => {
    expect(selectStacks([...LISTED, "preprod-eu"], "prod-*")).toEqual([
      "prod-eu",
      "prod-us",
      "prod-us-2",
    ]);
  });

  it("takes ? as exactly one character", () => {
    expect(selectStacks(LISTED, "prod-??")).toEqual(["prod-eu", "prod-us"]);
  });

  it("takes a comma-separated list, in the order the backend listed the stacks", () => {
    expect(selectStacks(LISTED, "staging-eu, dev")).toEqual(["dev", "staging-eu"]);
  });

  it("reads . as a dot, not as any character", () => {
    expect(selectStacks(["a.b", "axb"], "a.b")).toEqual(["a.b"]);
  });

  it("refuses a glob that matches nothing, naming it and the stacks there are", () => {
    expect(() => selectStacks(LISTED, "prod-*,stagign-*")).toThrow(
      new NoStackMatchedError(
        '--stacks "prod-*,stagign-*": "stagign-*" matches no stack, so nothing was run; stacks in the backend: dev, prod-eu, prod-us, prod-us-2, staging-eu',
      ),
    );
  });

  it("says so when the backend has no stack at all", () => {
    expect(() => selectStacks([], "*")).toThrow(
      '--stacks "*": "*" matches no stack, so nothing was run; the backend has no stack of this project',
    );
  });

  it("refuses an empty glob and characters no stack name holds", () => {
    expect(() => selectStacks(LISTED, "dev,")).toThrow('--stacks "dev,": an empty glob');
    expect(() => selectStacks(LISTED, "prod-[eu]")).toThrow('"prod-[eu]" can match no stack name');
  });
});

describe("matchesGlob", () => {
  it("matches a glob without / against the stack's own name, one with / against the whole", () => {
    expect(matchesGlob("acme/prod-eu", "prod-*")).toBe(true);
    expect(matchesGlob("acme/prod-eu", "acme/*")).toBe(true);
    expect(matchesGlob("acme/prod-eu", "other/*")).toBe(false);
    expect(matchesGlob("acme/prod-eu", "acme")).toBe(false);
  });
});
