/**
 * How the local tools find every process a pulumi command started, plugins in their own process
 * groups and orphans included: by a variable in their environment, inherited at any depth.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { killNow, processesMarked } from "../tools/local/markedProcesses";

const MARK = "K8S_FLUX_TEST_MARK";

afterEach(() => {
  killNow(processesMarked(MARK, String(process.pid)));
});

/** The process group of a process, from /proc. */
const processGroup = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `find` returns `count` pids; what it found last. */
async function settleOn(count: number, find: () => number[]): Promise<number[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const found = find();
    if (found.length === count) return found;
    await sleep(20);
  }
  return find();
}

describe("processes marked in their environment", () => {
  it("finds a child and the grandchild it started in a process group of its own", async () => {
    const mark = String(process.pid);
    // The shell starts `sleep` in a process group of its own, as pulumi starts its plugins.
    const child = spawn("sh", ["-c", "setsid sleep 30 & wait"], {
      env: { ...process.env, [MARK]: mark },
      stdio: "ignore",
    });
    const found = await settleOn(2, () => processesMarked(MARK, mark));
    expect(found).toHaveLength(2);
    expect(found).toContain(child.pid);
    const grandchild = found.find((pid) => pid !== child.pid) ?? 0;
    expect(processGroup(grandchild)).not.toBe(processGroup(child.pid ?? 0));
    // Another value of the same variable is another run's.
    expect(processesMarked(MARK, `${mark}-other`)).toEqual([]);

    killNow(found);
    expect(await settleOn(0, () => processesMarked(MARK, mark))).toEqual([]);
  });
});
