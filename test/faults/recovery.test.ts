/**
 * What the recovery after a killed command reads from a file backend, on backends laid out here
 * as the Pulumi CLI lays them out: which locks are stale, and which `.attrs` files beside a
 * state file are broken. The whole recovery, with the real engine, is in killedUpdate.spec.ts
 * (`npm run test:faults`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ADOPT_OBJECTS_VARIABLE,
  describeRecovery,
  isStale,
  removeBrokenSidecars,
  stackLocks,
} from "../../tools/local/recovery";

let backend: string;

beforeEach(() => {
  backend = mkdtempSync(join(tmpdir(), "k8s-flux-recovery-"));
});

afterEach(() => {
  rmSync(backend, { recursive: true, force: true });
});

function writeLock(stack: string, id: string, lock: unknown): string {
  const dir = join(backend, ".pulumi", "locks", "organization", "k8s-flux", stack);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${id}.json`);
  writeFileSync(path, JSON.stringify(lock));
  // The blob library's sidecar, which is not a lock.
  writeFileSync(`${path}.attrs`, "{}");
  return path;
}

/** The pid of a process that has exited and been reaped. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("stackLocks and isStale", () => {
  it("reads the stack's lock files, oldest first, and not another stack's", () => {
    const later = writeLock("local", "b", {
      pid: 1,
      username: "u",
      hostname: "h",
      timestamp: "2026-01-02T00:00:00Z",
    });
    const earlier = writeLock("local", "a", {
      pid: 2,
      username: "u",
      hostname: "h",
      timestamp: "2026-01-01T00:00:00Z",
    });
    writeLock("prod", "c", {
      pid: 3,
      username: "u",
      hostname: "h",
      timestamp: "2026-01-01T00:00:00Z",
    });
    expect(stackLocks(backend, "local").map((lock) => lock.path)).toEqual([earlier, later]);
    expect(stackLocks(backend, "dev")).toEqual([]);
  });

  it("calls a lock stale only when its process on this machine is no pulumi that runs", () => {
    const timestamp = "2026-01-01T00:00:00Z";
    writeLock("gone", "a", { pid: exitedPid(), hostname: hostname(), timestamp });
    // A pid reused by another program: this test's own process, which is node.
    writeLock("reused", "a", { pid: process.pid, hostname: hostname(), timestamp });
    writeLock("elsewhere", "a", { pid: exitedPid(), hostname: `not-${hostname()}`, timestamp });
    const stale = (stack: string): boolean[] => stackLocks(backend, stack).map(isStale);
    expect(stale("gone")).toEqual([true]);
    expect(stale("reused")).toEqual([true]);
    expect(stale("elsewhere")).toEqual([false]);
  });

  it("refuses a lock file it cannot read, naming it", () => {
    const path = writeLock("local", "a", { pid: "twelve" });
    expect(() => stackLocks(backend, "local")).toThrow(path);
  });
});

describe("removeBrokenSidecars", () => {
  it("removes the stack's unreadable .attrs files and nothing else", () => {
    const stacks = join(backend, ".pulumi", "stacks", "k8s-flux");
    mkdirSync(stacks, { recursive: true });
    const files = {
      state: join(stacks, "local.json"),
      emptySidecar: join(stacks, "local.json.attrs"),
      backupSidecar: join(stacks, "local.json.bak.attrs"),
      otherStackSidecar: join(stacks, "prod.json.attrs"),
    };
    writeFileSync(files.state, '{"version":3}');
    writeFileSync(files.emptySidecar, "");
    writeFileSync(files.backupSidecar, '{"md5":"AAAA"}');
    writeFileSync(files.otherStackSidecar, "");

    expect(removeBrokenSidecars(backend, "local")).toEqual([files.emptySidecar]);
    expect(
      Object.fromEntries(Object.entries(files).map(([name, path]) => [name, existsSync(path)])),
    ).toEqual({
      state: true,
      emptySidecar: false,
      backupSidecar: true,
      otherStackSidecar: true,
    });
  });

  it("finds nothing in a backend without state", () => {
    expect(removeBrokenSidecars(backend, "local")).toEqual([]);
  });
});

describe("describeRecovery", () => {
  const urn = (name: string): string =>
    `urn:pulumi:local::k8s-flux::kubernetes:core/v1:Secret::${name}`;

  it("counts the cleared operations by type, and says the update adopts only after creates", () => {
    const lock = { path: "/x/a.json", pid: 41, hostname: "h", timestamp: "2026-01-01T00:00:00Z" };
    expect(
      describeRecovery({
        removedSidecars: [],
        removedLocks: [lock],
        clearedPendingOperations: [
          { type: "creating", urn: urn("a") },
          { type: "deleting", urn: urn("b") },
          { type: "creating", urn: urn("c") },
        ],
        upEnvironment: { [ADOPT_OBJECTS_VARIABLE]: "true" },
      }),
    ).toEqual([
      "removed the lock of pulumi pid 41 (2026-01-01T00:00:00Z), which no longer runs",
      "cleared 3 pending operation(s) of an interrupted update (2 creating, 1 deleting); " +
        "this update adopts the objects it had made",
    ]);
    expect(
      describeRecovery({
        removedSidecars: [],
        removedLocks: [],
        clearedPendingOperations: [{ type: "deleting", urn: urn("b") }],
        upEnvironment: {},
      }),
    ).toEqual(["cleared 1 pending operation(s) of an interrupted update (1 deleting)"]);
  });

  it("has nothing to say about a stack that needed nothing", () => {
    expect(
      describeRecovery({
        removedSidecars: [],
        removedLocks: [],
        clearedPendingOperations: [],
        upEnvironment: {},
      }),
    ).toEqual([]);
  });
});
