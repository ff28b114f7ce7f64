/**
 * The one wait of the tooling: for the control plane's processes to serve, and for the cluster
 * tests' CRDs and deletions. When it gives up it says why, and a process that exits ends it.
 */
import { describe, expect, it } from "vitest";
import { ExitedError, NotReadyError, waitFor, within } from "../tools/kube/waitFor";

describe("waitFor", () => {
  it("polls until the check passes, counting a thrown error as not ready yet", async () => {
    const answers: (() => true | string)[] = [
      () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
      },
      () => "/readyz answered 500",
      () => true,
    ];
    let calls = 0;
    await waitFor(async () => (answers[calls++] ?? (() => "asked too often"))(), {
      deadline: within(5_000),
      intervalMs: 1,
    });
    expect(calls).toBe(3);
  });

  it("gives up at the deadline with the last check's failure", async () => {
    let calls = 0;
    const waiting = waitFor(async () => `not yet (check ${++calls})`, {
      deadline: within(30),
      intervalMs: 5,
    });
    await expect(waiting).rejects.toThrow(NotReadyError);
    await expect(waiting).rejects.toThrow(`not yet (check ${calls})`);
    expect(calls).toBeGreaterThan(1);
  });

  it("ends at once when the process it waits for exits, with its exit", async () => {
    const exited = Promise.resolve({ code: 2, signal: null });
    const waiting = waitFor(async () => "not serving", { deadline: within(60_000), exited });
    await expect(waiting).rejects.toEqual(new ExitedError(2, null));
    await expect(waiting).rejects.toMatchObject({ code: 2, signal: null });
  });
});
