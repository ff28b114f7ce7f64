/**
 * Where up:local, local:push, local:status and down:local find the local environment: in the
 * checkout, or, with K8S_FLUX_LOCAL_DIR, wholly in another directory, with a git server of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_GIT_SERVERS_DIR, localGitServerDir } from "../../tools/gitops/local/gitServerHome";
import {
  LOCAL_DIR_VARIABLE,
  localEnvironmentLayout,
  type LocalEnvironmentLayout,
} from "../../tools/gitops/local/layout";
import { REPO_ROOT } from "../../tools/repoRoot";

const scratch = mkdtempSync(join(tmpdir(), "local-layout-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every path of the layout but the git server's. */
const pathsBesideGitServer = (layout: LocalEnvironmentLayout): string[] =>
  Object.entries(layout)
    .filter(([key]) => key !== "gitServer" && key !== "owner")
    .map(([, path]) => path);

const isUnder = (path: string, dir: string): boolean => !relative(dir, path).startsWith("..");

describe("the local environment's layout", () => {
  it("is the checkout's without K8S_FLUX_LOCAL_DIR", () => {
    const layout = localEnvironmentLayout({});
    expect(layout.root).toBe(join(REPO_ROOT, ".cache", "gitops-local"));
    expect(layout.backend).toBe(join(REPO_ROOT, ".pulumi-local", "gitops-local", "state"));
    expect(layout.gitServer).toBe(localGitServerDir(REPO_ROOT));
    expect(localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: "" })).toEqual(layout);
  });

  it("is wholly in K8S_FLUX_LOCAL_DIR when set, with a git server apart from the checkout's", () => {
    const first = mkdtempSync(join(scratch, "env-"));
    const second = mkdtempSync(join(scratch, "env-"));
    const layout = localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: first });
    for (const path of pathsBesideGitServer(layout)) expect(isUnder(path, first), path).toBe(true);
    expect(layout.gitServer.startsWith(`${LOCAL_GIT_SERVERS_DIR}/`)).toBe(true);
    expect(layout.gitServer).toBe(localGitServerDir(first));
    expect(layout.owner).toBe(first);
    const others = [
      localEnvironmentLayout({}).gitServer,
      localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: second }).gitServer,
    ];
    expect(others).not.toContain(layout.gitServer);
  });

  it("refuses a relative path or one that is not a directory, naming the variable", () => {
    const file = join(scratch, "a-file");
    writeFileSync(file, "");
    for (const dir of ["relative/dir", join(scratch, "missing"), file]) {
      expect(() => localEnvironmentLayout({ [LOCAL_DIR_VARIABLE]: dir })).toThrow(
        `${LOCAL_DIR_VARIABLE}=${dir}: expected the absolute path of an existing directory`,
      );
    }
  });
});
