/**
 * Runs a task per item with at most `limit` running at once, in the items' order. Once
 * `stopped()` says so, no further task starts: each remaining item gets `notStarted(item)`.
 * Results come back in the items' order, whatever order the tasks finished in. A task must
 * settle its own failures into a result: one that rejects rejects the whole run.
 */
export async function runBounded<Item, Result>(
  items: readonly Item[],
  limit: number,
  task: (item: Item) => Promise<Result>,
  options: { stopped: () => boolean; notStarted: (item: Item) => Result },
): Promise<Result[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`the limit must be a whole number of at least 1, not ${limit}`);
  }
  const results = new Array<Result>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      const item = items[index] as Item;
      results[index] = options.stopped() ? options.notStarted(item) : await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
