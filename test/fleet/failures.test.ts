/**
 * Reading a failure: another update's lock (the file backend's and the Pulumi Cloud's words),
 * the program's own config message, and one line for everything else.
 */
import { describe, expect, it } from "vitest";
import {
  configProblems,
  firstErrorLine,
  isLockError,
  isUnexpectedChangesError,
} from "../../tools/fleet/failures";
import { StackConfigError } from "../../stacks/messages";

/** What the CLI printed for a stack another `pulumi up` held, on the file backend. */
const FILE_BACKEND_LOCK = [
  "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
  "  file:///srv/state/.pulumi/locks/organization/k8s-flux/prod/5d2c.json: created by ops@ci-runner (pid 4242) at 2026-01-05T10:00:00Z",
].join("\n");

const PRIVILEGED =
  'k8s-flux:applications[0].podSecurity: "privileged" is not allowed; expected baseline or restricted (privileged would let the tenant take over nodes)';
const NO_REPOSITORY = "k8s-flux:applications[1].repository: expected a string, got nothing";

describe("isLockError", () => {
  it("recognizes the file backend's lock and the Pulumi Cloud's conflict", () => {
    expect(isLockError(FILE_BACKEND_LOCK)).toBe(true);
    expect(isLockError("error: [409] Conflict: Another update is currently in progress.")).toBe(
      true,
    );
  });

  it("does not take other failures for a lock", () => {
    expect(isLockError("error: update canceled")).toBe(false);
    expect(isLockError(new StackConfigError([PRIVILEGED]).message)).toBe(false);
    expect(isLockError("the stack is currently locked")).toBe(false);
  });
});

describe("isUnexpectedChangesError", () => {
  it("recognizes --expect-no-changes refusing a preview, with or without the operation", () => {
    expect(
      isUnexpectedChangesError(
        "error: no changes were expected for preview but changes were proposed",
      ),
    ).toBe(true);
    expect(isUnexpectedChangesError("no changes were expected but changes were proposed")).toBe(
      true,
    );
    expect(isUnexpectedChangesError("error: preview failed")).toBe(false);
  });
});

describe("configProblems", () => {
  it("returns the program's heading and each problem line, as the program wrote them", () => {
    const message = new StackConfigError([PRIVILEGED, NO_REPOSITORY]).message;
    expect(configProblems(["warning text elsewhere", `${message}\n`])).toEqual([
      "Invalid stack configuration (nothing was changed):",
      `  - ${PRIVILEGED}`,
      `  - ${NO_REPOSITORY}`,
    ]);
  });

  it("stops at the first line that is not a problem", () => {
    const message = `${new StackConfigError([PRIVILEGED]).message}\nsomething else the engine added`;
    expect(configProblems([message])).toEqual([
      "Invalid stack configuration (nothing was changed):",
      `  - ${PRIVILEGED}`,
    ]);
  });

  it("is empty for failures that are not the program's config message", () => {
    expect(configProblems(["update canceled", FILE_BACKEND_LOCK])).toEqual([]);
  });
});

describe("firstErrorLine", () => {
  it("prefers the engine's first error diagnostic", () => {
    expect(firstErrorLine(["\nupdate canceled\n", "later"], FILE_BACKEND_LOCK)).toBe(
      "update canceled",
    );
  });

  it("falls back to the CLI's first error: line", () => {
    // A CommandError's message: execa's line for the command, then the CLI's stderr.
    const failure = `code: -2\n stdout: \n stderr: Command failed with exit code 255: /x/bin/pulumi up --yes\n${FILE_BACKEND_LOCK}\n err?: Error`;
    expect(firstErrorLine([], failure)).toBe(
      "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
    );
  });

  it("says how the CLI ended when it said nothing itself", () => {
    const killed =
      "code: -2\n stdout: \n stderr: Command was killed with SIGKILL (Forced termination): /x/bin/pulumi up --yes\n err?: Error";
    expect(firstErrorLine([], killed)).toBe("the pulumi CLI ended: was killed with SIGKILL");
  });

  it("takes the first line of anything else", () => {
    expect(firstErrorLine([], "\n  spawn setsid ENOENT\nmore")).toBe("spawn setsid ENOENT");
  });
});
