/**
 * Where up:local's git server keeps its state (tools/gitops/local/gitServerHome.ts): one directory
 * per checkout and user, which the git account can pass through and nobody else can write.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gitServerLayout } from "../../tools/gitops/gitServer/layout";
import {
  CHECKOUT_FILE,
  LOCAL_GIT_SERVERS_DIR,
  localGitServerDir,
  prepareLocalGitServerDir,
} from "../../tools/gitops/local/gitServerHome";
import { localEnvironmentLayout } from "../../tools/gitops/local/layout";

const scratch = mkdtempSync(join(tmpdir(), "git-server-home-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const uid = process.getuid?.() ?? 0;

describe("the local git server's directory", () => {
  it("is outside the checkout, the same for one checkout and user, and apart for another", () => {
    const dir = localGitServerDir("/home/ana/src/k8s-flux", 1000);
    expect(dir).toMatch(new RegExp(`^${LOCAL_GIT_SERVERS_DIR}/k8s-flux-[0-9a-f]{16}$`));
    expect(localGitServerDir("/home/ana/src/k8s-flux", 1000)).toBe(dir);
    expect(localGitServerDir("/home/ana/src/k8s-flux", 1001)).not.toBe(dir);
    expect(localGitServerDir("/home/ana/src/other/k8s-flux", 1000)).not.toBe(dir);
    // The git server takes only plain paths, since they end up unquoted in sshd_config.
    expect(gitServerLayout(localGitServerDir("/tmp/tmp.x Y/my clone!", 0)).dir).toMatch(
      /\/my_clone_-[0-9a-f]{16}$/,
    );
  });

  it("is what up:local, down:local, local:push and local:status use", () => {
    expect(localEnvironmentLayout().gitServer).toBe(localGitServerDir());
  });

  it("is the same through a symbolic link to the checkout", () => {
    const checkout = join(scratch, "checkout");
    mkdirSync(checkout);
    symlinkSync(checkout, join(scratch, "link"));
    expect(localGitServerDir(join(scratch, "link"), uid)).toBe(localGitServerDir(checkout, uid));
  });

  it("is made mode 755 up to the base, whatever the umask, and names its checkout", () => {
    const base = join(scratch, "made", "local-git-servers");
    const dir = join(base, "k8s-flux-0123456789abcdef");
    const umask = process.umask(0o077);
    try {
      prepareLocalGitServerDir(dir, "/work/k8s-flux", uid);
    } finally {
      process.umask(umask);
    }
    for (const path of [join(scratch, "made"), base, dir]) {
      expect(statSync(path).mode & 0o777, path).toBe(0o755);
    }
    expect(readFileSync(join(dir, CHECKOUT_FILE), "utf8")).toBe("/work/k8s-flux\n");
    // Again, as every up:local does.
    expect(() => prepareLocalGitServerDir(dir, "/work/k8s-flux", uid)).not.toThrow();
  });

  it("is refused when it is a link, another user's, or writable by others", () => {
    const base = join(scratch, "refused");
    mkdirSync(base, { mode: 0o755 });
    chmodSync(base, 0o755);
    const elsewhere = join(scratch, "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(base, "linked"));
    expect(() => prepareLocalGitServerDir(join(base, "linked"), "/c", uid)).toThrow(
      `${join(base, "linked")}, where the local git server keeps its state, is not a directory`,
    );

    const own = join(base, "own");
    mkdirSync(own);
    chmodSync(own, 0o755);
    expect(() => prepareLocalGitServerDir(own, "/c", uid + 1)).toThrow(
      `belongs to uid ${uid}, not to this user (uid ${uid + 1})`,
    );

    chmodSync(own, 0o775);
    expect(() => prepareLocalGitServerDir(own, "/c", uid)).toThrow(
      "is writable by group or others (mode 775)",
    );
  });
});
