/** The first Ctrl-C cancels through the abort signal; the second forces; later ones do nothing. */
import { describe, expect, it } from "vitest";
import { Interruption } from "../../tools/fleet/interruption";

describe("Interruption", () => {
  it("aborts on the first interrupt, forces on the second, and ignores the rest", () => {
    const calls: string[] = [];
    const interruption = new Interruption(
      () => calls.push("cancel"),
      () => calls.push("force"),
    );
    expect([interruption.requested, interruption.signal.aborted]).toEqual([false, false]);
    interruption.interrupt();
    expect([interruption.requested, interruption.signal.aborted, interruption.forced]).toEqual([
      true,
      true,
      false,
    ]);
    interruption.interrupt();
    interruption.interrupt();
    expect(interruption.forced).toBe(true);
    expect(calls).toEqual(["cancel", "force"]);
  });

  it("listens to SIGINT and SIGTERM only while asked to", () => {
    const interruption = new Interruption(
      () => undefined,
      () => undefined,
    );
    const before = ["SIGINT", "SIGTERM"].map((signal) => process.listenerCount(signal));
    interruption.listen();
    expect(["SIGINT", "SIGTERM"].map((signal) => process.listenerCount(signal))).toEqual(
      before.map((count) => count + 1),
    );
    interruption.stopListening();
    expect(["SIGINT", "SIGTERM"].map((signal) => process.listenerCount(signal))).toEqual(before);
  });
});
