/**
 * The forced command every key runs on the local git server, run directly with the request in
 * SSH_ORIGINAL_COMMAND as sshd would set it. Needs sh and git, nothing built.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SCRIPT = join(__dirname, "..", "..", "tools", "gitops", "gitServer", "forcedCommand.sh");
const TRANSFERS_ONLY = "ERROR: this server runs git transfers only";
const NOT_FOUND = "ERROR: Repository not found.";
const READ_ONLY = "ERROR: The key you are authenticating with has been marked as read only.";

let root: string;
let repositories: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "forced-command-"));
  repositories = join(root, "repositories");
  for (const name of ["acme/app", "acme/other", "acme/platform"]) {
    mkdirSync(join(repositories, name.split("/")[0] ?? ""), { recursive: true });
    const init = spawnSync("git", ["init", "--quiet", "--bare", join(repositories, `${name}.git`)]);
    expect(init.status).toBe(0);
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(
  request: string,
  ...access: string[]
): { code: number | null; stderr: string; stdout: string } {
  const result = spawnSync("sh", [SCRIPT, repositories, ...access], {
    env: { PATH: process.env.PATH, SSH_ORIGINAL_COMMAND: request },
    // A flush packet: the client wants nothing, so a served transfer ends at once with code 0.
    input: "0000",
    timeout: 10_000,
  });
  return {
    code: result.status,
    stderr: result.stderr.toString(),
    stdout: result.stdout.toString(),
  };
}

/** upload-pack's first packet for an empty repository: a flush packet (`0000`), then it waits. */
const servedUploadPack = (result: { code: number | null; stdout: string }): boolean =>
  result.code === 0 && result.stdout.startsWith("0000");

describe("forced command of a read-only deploy key", () => {
  it.each([
    "git-upload-pack '/acme/app.git'",
    "git-upload-pack 'acme/app.git'",
    "git-upload-pack '/acme/app'",
    "git-upload-pack /acme/app.git",
  ])("serves a fetch of its own repository: %s", (request) => {
    expect(servedUploadPack(run(request, "read", "acme/app"))).toBe(true);
  });

  it.each([
    "git-upload-pack '/acme/other.git'",
    "git-upload-pack '/acme/platform.git'",
    "git-upload-pack '/acme/missing.git'",
    "git-upload-pack '/Acme/App.git'",
    "git-upload-pack '/acme/app.git/../other.git'",
    "git-upload-pack '/../acme/app.git'",
    "git-upload-pack '/acme/.app.git'",
    "git-upload-pack 'acme'",
    "git-upload-pack '/acme/app/extra.git'",
  ])("answers any other path as GitHub does, Repository not found: %s", (request) => {
    const result = run(request, "read", "acme/app");
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(NOT_FOUND);
    expect(result.stdout).toBe("");
  });

  it("refuses a push with GitHub's read-only message", () => {
    const result = run("git-receive-pack '/acme/app.git'", "read", "acme/app");
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(READ_ONLY);
  });

  it("answers a push to another repository as not found, not as read-only", () => {
    expect(run("git-receive-pack '/acme/other.git'", "read", "acme/app").stderr.trim()).toBe(
      NOT_FOUND,
    );
  });

  it("refuses a key registered for a repository that does not exist", () => {
    expect(run("git-upload-pack '/acme/gone.git'", "read", "acme/gone").stderr.trim()).toBe(
      NOT_FOUND,
    );
  });
});

describe("forced command refuses anything but a plain git transfer", () => {
  const marker = (): string => join(root, "marker");

  it.each([
    "",
    "ls",
    "sh",
    "git upload-pack '/acme/app.git'",
    "git-upload-pack",
    "git-upload-pack ",
    "git-upload-pack  '/acme/app.git'",
    "git-upload-pack '/acme/app.git'; touch MARKER",
    "git-upload-pack '/acme/app.git' && touch MARKER",
    "git-upload-pack '/acme/app.git' | touch MARKER",
    "git-upload-pack '/acme/app.git$(touch MARKER)'",
    "git-upload-pack '/acme/app.git`touch MARKER`'",
    "git-upload-pack '/acme/app.git'\ntouch MARKER",
    "git-upload-pack '/acme/app.git' --upload-pack=touch",
    'git-upload-pack "/acme/app.git"',
    "git-upload-pack '/acme/app.git",
    "git-upload-pack '/acme/ap p.git'",
    "scp -t /tmp",
    "rsync --server . /tmp",
  ])("refuses %j", (template) => {
    const request = template.replaceAll("MARKER", marker());
    const result = run(request, "write", "acme/app");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(TRANSFERS_ONLY);
    expect(result.stdout).toBe("");
    expect(existsSync(marker())).toBe(false);
  });

  it("refuses to run without the access and repository of its authorized_keys line", () => {
    expect(run("git-upload-pack '/acme/app.git'", "read").stderr).toContain("malformed");
    expect(run("git-upload-pack '/acme/app.git'", "owner", "acme/app").stderr).toContain(
      "malformed",
    );
  });
});

describe("forced command with write or admin access", () => {
  it("lets a write key push to its own repository and nowhere else", () => {
    const own = run("git-receive-pack '/acme/app.git'", "write", "acme/app");
    // receive-pack advertises the (empty) repository's capabilities before reading anything.
    expect(own.code).toBe(0);
    expect(own.stdout).toContain("report-status");
    expect(run("git-receive-pack '/acme/other.git'", "write", "acme/app").stderr.trim()).toBe(
      NOT_FOUND,
    );
  });

  it("lets the admin key reach every existing repository, and still only git transfers", () => {
    expect(servedUploadPack(run("git-upload-pack '/acme/platform.git'", "admin"))).toBe(true);
    expect(run("git-receive-pack '/acme/other.git'", "admin").stdout).toContain("report-status");
    expect(run("git-upload-pack '/acme/missing.git'", "admin").stderr.trim()).toBe(NOT_FOUND);
    expect(run("ls", "admin").stderr).toContain(TRANSFERS_ONLY);
  });
});
