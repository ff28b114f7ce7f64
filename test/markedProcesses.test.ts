/**
 * How the local tools find every process a pulumi command started, plugins in their own process
 * groups and orphans included: by a variable in their environment, inherited at any depth.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { isRunning } from "../tools/control-plane/processes";
import { killNow, markedProcessesLeft, processesMarked } from "../tools/local/markedProcesses";
import { pulumiProcessesLeft } from "../tools/local/pulumi";
import { describeLocalLeftovers, stopLocalRun } from "../tools/local/teardown";

const MARK = "K8S_FLUX_TEST_MARK";

/** What pulumi.ts puts in the environment of every command it starts, naming this process. */
const PULUMI_MARK = "PULUMI_STARTED_BY";

afterEach(() => {
  killNow(processesMarked(MARK, String(process.pid)));
  killNow(processesMarked(PULUMI_MARK, String(process.pid)));
});

/** The process group of a process, from /proc. */
const processGroup = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done` holds of its value, for 2 s at the most; the value read last. */
async function until<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const value = read();
    if (done(value)) return value;
    await sleep(20);
  }
  return read();
}

/** Polls until `find` returns `count` pids; what it found last. */
const settleOn = (count: number, find: () => number[]): Promise<number[]> =>
  until(find, (found) => found.length === count);

/** The process group of `pid` once it has left that of `parent`, or its group after 2 s. */
const groupAfterSetsid = (pid: number, parent: number): Promise<number> =>
  until(
    () => processGroup(pid),
    (group) => group !== processGroup(parent),
  );

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
    // The mark is inherited at fork, before setsid(2) has run in the new process: wait for it.
    expect(await groupAfterSetsid(grandchild, child.pid ?? 0)).not.toBe(
      processGroup(child.pid ?? 0),
    );
    // Another value of the same variable is another run's.
    expect(processesMarked(MARK, `${mark}-other`)).toEqual([]);

    killNow(found);
    expect(await settleOn(0, () => processesMarked(MARK, mark))).toEqual([]);
  });

  it("counts a process as left only once it has had a few seconds to exit", async () => {
    const mark = String(process.pid);
    spawn("sleep", ["30"], { env: { ...process.env, [MARK]: mark }, stdio: "ignore" });
    const running = await settleOn(1, () => processesMarked(MARK, mark));
    expect(await markedProcessesLeft(MARK, mark, 300)).toEqual(running);
    killNow(running);
    expect(await markedProcessesLeft(MARK, mark)).toEqual([]);
  });
});

describe("the end of a local run", () => {
  it("kills what a pulumi command left behind, found by its mark, and then reports nothing left", async () => {
    // An orphaned plugin: in a process group of its own, its command long gone.
    const orphans = spawn("sh", ["-c", "setsid sleep 30 & wait"], {
      env: { ...process.env, [PULUMI_MARK]: String(process.pid) },
      stdio: "ignore",
    });
    const found = await settleOn(2, pulumiProcessesLeft);
    expect(found).toContain(orphans.pid);

    const left = await stopLocalRun([]);
    expect(left).toEqual({ problems: [], running: [], listening: [], pulumi: [] });
    expect(describeLocalLeftovers(left)).toEqual([]);
    expect(found.filter(isRunning)).toEqual([]);
  });

  it("names each leftover on a line of its own, what failed first", () => {
    expect(
      describeLocalLeftovers({
        problems: ["stopping the pulumi commands: pulumi processes 7 survived SIGKILL"],
        running: [11],
        listening: [6443],
        pulumi: [7],
      }),
    ).toEqual([
      "stopping the pulumi commands: pulumi processes 7 survived SIGKILL",
      "control-plane process 11 still runs",
      "port 6443 on 127.0.0.1 still has a listener",
      "pulumi command process 7 still runs",
    ]);
  });
});
