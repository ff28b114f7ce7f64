/**
 * The fleet's exit code: an interrupt, then any failure, then drift decide it, so that a
 * scheduled drift check can tell drift (3) from a broken stack (1).
 */
import { describe, expect, it } from "vitest";
import {
  exitCodeFor,
  EXIT_DRIFTED,
  EXIT_FAILED,
  EXIT_INTERRUPTED,
  EXIT_OK,
  type StackResult,
} from "../../tools/fleet/summary";
import { outcome } from "./outcomes";

const codeFor = (results: StackResult[], interrupted = false): number =>
  exitCodeFor(
    results.map((result, index) => outcome({ stack: `s${index}`, result })),
    interrupted,
  );

describe("exitCodeFor", () => {
  it("is 0 when every stack succeeded or is in sync", () => {
    expect(codeFor(["succeeded", "succeeded"])).toBe(EXIT_OK);
    expect(codeFor(["in-sync", "in-sync", "in-sync"])).toBe(EXIT_OK);
  });

  it("is 3 for drift when nothing failed", () => {
    expect(codeFor(["in-sync", "drifted", "in-sync"])).toBe(EXIT_DRIFTED);
    expect(EXIT_DRIFTED).toBe(3);
  });

  it("is 1 when any stack failed, was locked or had invalid config, drift or not", () => {
    for (const failure of ["failed", "locked", "invalid-config"] as const) {
      expect(codeFor(["succeeded", failure]), failure).toBe(EXIT_FAILED);
      expect(codeFor(["drifted", failure, "in-sync"]), failure).toBe(EXIT_FAILED);
    }
    expect(EXIT_FAILED).toBe(1);
  });

  it("is 130 when interrupted, whatever the stacks did", () => {
    expect(codeFor(["succeeded", "cancelled", "not-started"], true)).toBe(EXIT_INTERRUPTED);
    expect(codeFor(["succeeded"], true)).toBe(130);
  });
});
