/** At most N tasks at once, results in the items' order, and nothing started once stopped. */
import { describe, expect, it } from "vitest";
import { runBounded } from "../../tools/fleet/boundedPool";

/** A task per item that the test finishes by hand, recording how many ran at once. */
function controlledTasks() {
  const finish = new Map<string, (value: string) => void>();
  let running = 0;
  let mostAtOnce = 0;
  const started: string[] = [];
  const task = (item: string): Promise<string> => {
    started.push(item);
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    return new Promise((resolve) =>
      finish.set(item, (value) => {
        running -= 1;
        resolve(value);
      }),
    );
  };
  const settle = async (item: string): Promise<void> => {
    finish.get(item)?.(`done ${item}`);
    // Lets the pool's worker take the next item.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { task, settle, started, mostAtOnce: () => mostAtOnce };
}

const never = { stopped: () => false, notStarted: (item: string) => `skipped ${item}` };

describe("runBounded", () => {
  it("runs at most the limit at once and starts the next as one finishes", async () => {
    const tasks = controlledTasks();
    const run = runBounded(["a", "b", "c", "d"], 2, tasks.task, never);
    await new Promise((resolve) => setImmediate(resolve));
    expect(tasks.started).toEqual(["a", "b"]);
    await tasks.settle("b");
    expect(tasks.started).toEqual(["a", "b", "c"]);
    await tasks.settle("c");
    await tasks.settle("a");
    await tasks.settle("d");
    expect(await run).toEqual(["done a", "done b", "done c", "done d"]);
    expect(tasks.mostAtOnce()).toBe(2);
  });

  it("starts nothing more once stopped, and gives the rest notStarted", async () => {
    const tasks = controlledTasks();
    let stopped = false;
    const run = runBounded(["a", "b", "c"], 1, tasks.task, { ...never, stopped: () => stopped });
    await new Promise((resolve) => setImmediate(resolve));
    stopped = true;
    await tasks.settle("a");
    expect(await run).toEqual(["done a", "skipped b", "skipped c"]);
    expect(tasks.started).toEqual(["a"]);
  });

  it("runs one at a time for a limit of 1, and refuses a limit below 1", async () => {
    const tasks = controlledTasks();
    const run = runBounded(["a", "b"], 1, tasks.task, never);
    await new Promise((resolve) => setImmediate(resolve));
    await tasks.settle("a");
    await tasks.settle("b");
    await run;
    expect(tasks.mostAtOnce()).toBe(1);
    await expect(runBounded(["a"], 0, tasks.task, never)).rejects.toThrow(RangeError);
  });
});
