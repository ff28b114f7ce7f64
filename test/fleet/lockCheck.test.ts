/**
 * The lock check before `preview` and `drift`, which the engine runs without taking the lock:
 * lock files on a file backend (the project's own, whatever the listed name looks like), the
 * service backend's `updateInProgress`, and nothing asked of other backends.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { StackSummary } from "@pulumi/pulumi/automation";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileBackendDir, fileBackendLock, findLock, listedLock } from "../../tools/fleet/lockCheck";
import { isLockError } from "../../tools/fleet/failures";
import { fileBackendUrl } from "../../tools/pulumi/environment";

let backend: string;

beforeEach(() => {
  backend = mkdtempSync(join(tmpdir(), "k8s-flux-lock-check-"));
});

afterEach(() => {
  rmSync(backend, { recursive: true, force: true });
});

/** A lock as the file backend writes it while an update of `project`'s `stack` runs. */
function writeLock(project: string, stack: string, id: string, contents: unknown): void {
  const dir = join(backend, ".pulumi", "locks", "organization", project, stack);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.json`), JSON.stringify(contents));
}

const lock = (pid: number, timestamp: string) => ({
  pid,
  username: "colleague",
  hostname: "ci-runner",
  timestamp,
});

const summary = (name: string, updateInProgress?: boolean): StackSummary => ({
  name,
  current: false,
  ...(updateInProgress === undefined ? {} : { updateInProgress }),
});

describe("fileBackendDir", () => {
  it("reads the directory of a file:// URL, without its query", () => {
    expect(fileBackendDir(fileBackendUrl("/srv/pulumi state"))).toBe("/srv/pulumi state");
    expect(fileBackendDir("file:///var/lib/pulumi")).toBe("/var/lib/pulumi");
  });

  it("takes file://~ as the home directory", () => {
    expect(fileBackendDir("file://~")).toBe(homedir());
    expect(fileBackendDir("file://~/pulumi")).toBe(join(homedir(), "pulumi"));
  });

  it("is undefined for any other backend", () => {
    expect(fileBackendDir("s3://acme-pulumi-state")).toBeUndefined();
    expect(fileBackendDir("https://api.pulumi.com")).toBeUndefined();
  });
});

describe("fileBackendLock", () => {
  it("is undefined while no update holds the stack", () => {
    expect(fileBackendLock(backend, "k8s-flux", "prod-eu")).toBeUndefined();
    mkdirSync(join(backend, ".pulumi", "locks", "organization", "k8s-flux", "prod-eu"), {
      recursive: true,
    });
    expect(fileBackendLock(backend, "k8s-flux", "prod-eu")).toBeUndefined();
  });

  it("names every holder, oldest first, in the engine's words for a lock", () => {
    writeLock("k8s-flux", "prod-eu", "b", lock(4242, "2026-01-05T10:00:09Z"));
    writeLock("k8s-flux", "prod-eu", "a", lock(4141, "2026-01-05T10:00:01Z"));
    const found = fileBackendLock(backend, "k8s-flux", "prod-eu");
    expect(found).toBe(
      "the stack is currently locked by 2 lock(s): pid 4141 on ci-runner since 2026-01-05T10:00:01Z; pid 4242 on ci-runner since 2026-01-05T10:00:09Z",
    );
    expect(isLockError(found ?? "")).toBe(true);
  });

  it("sees only this project's stack, also when the backend lists it with its organization", () => {
    writeLock("another-project", "prod-eu", "a", lock(4141, "2026-01-05T10:00:01Z"));
    writeLock("k8s-flux", "prod-us", "a", lock(4242, "2026-01-05T10:00:01Z"));
    expect(fileBackendLock(backend, "k8s-flux", "prod-eu")).toBeUndefined();
    expect(fileBackendLock(backend, "k8s-flux", "organization/k8s-flux/prod-us")).toMatch(
      /^the stack is currently locked by 1 lock\(s\): pid 4242/,
    );
  });

  it("counts a lock file it cannot read as a lock, as the engine does", () => {
    writeLock("k8s-flux", "prod-eu", "a", "not a lock");
    expect(fileBackendLock(backend, "k8s-flux", "prod-eu")).toMatch(
      /^the stack is currently locked by 1 lock\(s\): .*a\.json is not a Pulumi lock file/,
    );
  });
});

describe("listedLock", () => {
  it("is the backend's updateInProgress for the stack", () => {
    const listed = [summary("acme/prod-eu", true), summary("acme/prod-us", false)];
    expect(listedLock(listed, "acme/prod-eu")).toBe(
      "another update is currently in progress (the backend lists the stack as being updated)",
    );
    expect(listedLock(listed, "acme/prod-us")).toBeUndefined();
    expect(listedLock([summary("acme/dev")], "acme/dev")).toBeUndefined();
    expect(listedLock(listed, "acme/gone")).toBeUndefined();
  });
});

describe("findLock", () => {
  const source = (backendUrl: string, listed: StackSummary[]) => {
    const asked: string[] = [];
    return {
      asked,
      source: {
        backendUrl,
        project: "k8s-flux",
        listStacks: () => {
          asked.push(backendUrl);
          return Promise.resolve(listed);
        },
      },
    };
  };

  it("reads a file backend's lock directory, without listing stacks", async () => {
    writeLock("k8s-flux", "prod-eu", "a", lock(4141, "2026-01-05T10:00:01Z"));
    const file = source(fileBackendUrl(backend), [summary("prod-eu", true)]);
    expect(await findLock(file.source, "prod-eu")).toMatch(/^the stack is currently locked/);
    expect(await findLock(file.source, "prod-us")).toBeUndefined();
    expect(file.asked).toEqual([]);
  });

  it("asks a service backend for its listing, each time", async () => {
    const cloud = source("https://api.pulumi.com", [summary("acme/k8s-flux/prod-eu", true)]);
    expect(await findLock(cloud.source, "acme/k8s-flux/prod-eu")).toMatch(/^another update/);
    expect(await findLock(cloud.source, "acme/k8s-flux/prod-us")).toBeUndefined();
    expect(cloud.asked).toHaveLength(2);
  });

  it("asks nothing of a cloud-storage backend, whose locks it cannot read", async () => {
    const bucket = source("s3://acme-pulumi-state", [summary("prod-eu", true)]);
    expect(await findLock(bucket.source, "prod-eu")).toBeUndefined();
    expect(bucket.asked).toEqual([]);
  });
});
