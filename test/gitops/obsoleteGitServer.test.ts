import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { obsoleteGitServer } from "../../tools/gitops/local/obsoleteGitServer";
import { startTimeOf } from "../../tools/gitops/processes";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A local environment root whose git-server/state.json holds `state`, if given. */
function rootWith(state?: object): string {
  const root = mkdtempSync(join(tmpdir(), "k8s-flux-obsolete-"));
  roots.push(root);
  if (state) {
    mkdirSync(join(root, "git-server"));
    writeFileSync(join(root, "git-server", "state.json"), JSON.stringify(state));
  }
  return root;
}

describe("the git server directory of an environment started before it moved", () => {
  it("is none when the root has no git-server directory", () => {
    expect(obsoleteGitServer(rootWith())).toBeUndefined();
  });

  it("is found with no running sshd when the one it records has stopped", () => {
    const root = rootWith({ port: 2222 });
    expect(obsoleteGitServer(root)).toEqual({ dir: join(root, "git-server") });
  });

  it("names the sshd it records while that process runs, with its port", () => {
    const startTime = startTimeOf(process.pid) as number;
    const root = rootWith({ port: 2222, sshd: { pid: process.pid, startTime } });
    expect(obsoleteGitServer(root)).toEqual({
      dir: join(root, "git-server"),
      runningSshd: { pid: process.pid, port: 2222 },
    });
  });

  it("takes a recorded pid that now runs another process (another start time) as stopped", () => {
    const startTime = (startTimeOf(process.pid) as number) + 1;
    const root = rootWith({ port: 2222, sshd: { pid: process.pid, startTime } });
    expect(obsoleteGitServer(root)?.runningSshd).toBeUndefined();
  });
});
