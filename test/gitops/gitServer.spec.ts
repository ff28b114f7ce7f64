/**
 * The local git server with Debian's sshd: deploy keys behave as on GitHub. Needs root, sshd and
 * git (tools/gitops/installPrerequisites.sh); run with `vitest run --config
 * test/gitops/vitest.config.mts`.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../../tools/control-plane/processes";
import { isPortFree } from "../../tools/control-plane/ports";
import { startGitServer, type GitServer } from "../../tools/gitops/gitServer/server";
import { GitClient, newKeyPair, type KeyPair } from "./gitClient";

const NOT_FOUND = "ERROR: Repository not found.";
const READ_ONLY = "ERROR: The key you are authenticating with has been marked as read only.";

let root: string;
let stateDir: string;
let server: GitServer;
const heads = new Map<string, string>();
let keys: Record<"appA" | "platformReadOnly" | "appBWrite" | "stranger", KeyPair>;

function writeTree(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Every process whose command line names the server's state directory. */
function processesOf(dir: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "git-server-spec-"));
  chmodSync(root, 0o755);
  stateDir = join(root, "state");
  server = await startGitServer({ stateDir });
  for (const repository of ["acme/app-a", "acme/app-b", "acme/platform"]) {
    expect(await server.createRepository(repository)).toBe(true);
    const content = writeTree(join(root, "content", repository), {
      "README.md": `${repository}\n`,
    });
    heads.set(repository, await server.push(repository, content));
  }
  const keyDir = join(root, "keys");
  mkdirSync(keyDir);
  keys = {
    appA: await newKeyPair(keyDir, "app-a"),
    platformReadOnly: await newKeyPair(keyDir, "platform"),
    appBWrite: await newKeyPair(keyDir, "app-b-write"),
    stranger: await newKeyPair(keyDir, "stranger"),
  };
  server.authorize(keys.appA.publicKey, "acme/app-a");
  server.authorize(keys.platformReadOnly.publicKey, "acme/platform");
  server.authorize(keys.appBWrite.publicKey, "acme/app-b", { write: true });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

const client = (key: KeyPair): GitClient => new GitClient(key, server.knownHostsLine, root);

describe("a deploy key", () => {
  it("reads its own repository, at the head the admin pushed", async () => {
    const checkout = join(root, "checkout-a");
    const clone = await client(keys.appA).git([
      "clone",
      "--quiet",
      server.sshUrl("acme/app-a"),
      checkout,
    ]);
    expect(clone.stderr).toBe("");
    expect(clone.code).toBe(0);
    expect(readFileSync(join(checkout, "README.md"), "utf8")).toBe("acme/app-a\n");
    const head = await client(keys.appA).git(["rev-parse", "HEAD"], checkout);
    expect(head.stdout.trim()).toBe(heads.get("acme/app-a"));
  });

  it.each(["acme/app-b", "acme/platform", "acme/does-not-exist"])(
    "is refused on %s with GitHub's Repository not found",
    async (repository) => {
      const result = await client(keys.appA).git(["ls-remote", server.sshUrl(repository)]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(NOT_FOUND);
      expect(result.stdout).toBe("");
    },
  );

  it("that is read-only cannot push, and the head stays", async () => {
    const checkout = join(root, "checkout-platform");
    const tenant = client(keys.platformReadOnly);
    expect(
      (await tenant.git(["clone", "--quiet", server.sshUrl("acme/platform"), checkout])).code,
    ).toBe(0);
    writeFileSync(join(checkout, "cluster-admin.yaml"), "kind: ClusterRoleBinding\n");
    await tenant.git(["add", "."], checkout);
    expect((await tenant.git(["commit", "--quiet", "-m", "escalate"], checkout)).code).toBe(0);
    const push = await tenant.git(["push", "origin", "HEAD:main"], checkout);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain(READ_ONLY);
    const remote = await tenant.git([
      "ls-remote",
      server.sshUrl("acme/platform"),
      "refs/heads/main",
    ]);
    expect(remote.stdout.split("\t")[0]).toBe(heads.get("acme/platform"));
  });

  it("with write access pushes to its repository, and only there", async () => {
    const checkout = join(root, "checkout-b");
    const writer = client(keys.appBWrite);
    expect(
      (await writer.git(["clone", "--quiet", server.sshUrl("acme/app-b"), checkout])).code,
    ).toBe(0);
    writeFileSync(join(checkout, "deployment.yaml"), "kind: Deployment\n");
    await writer.git(["add", "."], checkout);
    await writer.git(["commit", "--quiet", "-m", "deploy"], checkout);
    const commit = (await writer.git(["rev-parse", "HEAD"], checkout)).stdout.trim();
    const push = await writer.git(["push", "--quiet", "origin", "HEAD:main"], checkout);
    expect(push.stderr).toBe("");
    expect(push.code).toBe(0);
    const remote = await writer.git(["ls-remote", server.sshUrl("acme/app-b"), "refs/heads/main"]);
    expect(remote.stdout.split("\t")[0]).toBe(commit);

    const elsewhere = await writer.git(
      ["push", server.sshUrl("acme/app-a"), "HEAD:refs/heads/x"],
      checkout,
    );
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain(NOT_FOUND);
  });

  it("cannot run anything but a git transfer", async () => {
    const marker = join(root, "marker");
    for (const command of [
      undefined,
      "id",
      `git-upload-pack '/acme/app-a.git'; touch ${marker}`,
      `git-upload-pack '/acme/app-a.git$(touch ${marker})'`,
    ]) {
      const result = await client(keys.appA).ssh(server.port, command);
      expect(result.code, `ssh ${command ?? "(no command)"}`).toBe(1);
      expect(result.stderr).toContain("ERROR: this server runs git transfers only");
      expect(result.stdout).toBe("");
    }
    expect(() => readFileSync(marker)).toThrow();
  });

  it("that was never authorized is refused by sshd itself", async () => {
    const result = await client(keys.stranger).git(["ls-remote", server.sshUrl("acme/app-a")]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Permission denied (publickey)");
  });
});

describe("the server", () => {
  it("lists the keys it authorized, and a revoked key stops working at once", async () => {
    expect(server.authorizedKeys().map((key) => [key.repository, key.write])).toEqual([
      ["acme/app-a", false],
      ["acme/platform", false],
      ["acme/app-b", true],
    ]);
    const extra = await newKeyPair(join(root, "keys"), "revoked");
    server.authorize(extra.publicKey, "acme/app-a");
    expect((await client(extra).git(["ls-remote", server.sshUrl("acme/app-a")])).code).toBe(0);
    expect(server.revoke(extra.publicKey)).toBe(true);
    const after = await client(extra).git(["ls-remote", server.sshUrl("acme/app-a")]);
    expect(after.stderr).toContain("Permission denied (publickey)");
  });

  it("keeps its host key, port and keys across a restart, and leaves nothing running when stopped", async () => {
    const { knownHostsLine, port, pid } = server;
    expect(processesOf(stateDir)).toContain(pid);
    await server.stop();
    expect(isRunning(pid)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    expect(processesOf(stateDir)).toEqual([]);

    server = await startGitServer({ stateDir });
    expect(server.port).toBe(port);
    expect(server.knownHostsLine).toBe(knownHostsLine);
    expect(knownHostsLine).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${port} ssh-ed25519 AAAA`));
    const again = await client(keys.appA).git([
      "ls-remote",
      server.sshUrl("acme/app-a"),
      "refs/heads/main",
    ]);
    expect(again.stdout.split("\t")[0]).toBe(heads.get("acme/app-a"));
  });

  it("refuses to start on a port in use, and leaves nothing behind", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen({ host: "127.0.0.1", port: 0 }, () => {
        const address = blocker.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      }),
    );
    const other = join(root, "other-state");
    try {
      await expect(startGitServer({ stateDir: other, port })).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use`,
      );
      expect(processesOf(other)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
