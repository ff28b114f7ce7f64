/**
 * The git server's bookkeeping, without sshd: public keys as GitHub accepts them, repository
 * names, and the authorized_keys lines that tie each key to one repository.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  authorizedKeysLine,
  authorizeKey,
  readKeyRegistry,
  revokeKey,
} from "../../tools/gitops/gitServer/authorizedKeys";
import { gitServerLayout, type GitServerLayout } from "../../tools/gitops/gitServer/layout";
import { parsePublicKey } from "../../tools/gitops/gitServer/publicKey";
import { checkRepositoryName } from "../../tools/gitops/gitServer/repositoryName";
import { sshdConfigText } from "../../tools/gitops/gitServer/sshdConfig";
import { newEd25519PublicKey } from "./sshKeys";

// github.com's published ED25519 host key and the fingerprint GitHub publishes for it.
const GITHUB_ED25519 =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const GITHUB_ED25519_FINGERPRINT = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU";

describe("public keys", () => {
  it("parses a key line and computes the fingerprint GitHub shows", () => {
    const key = parsePublicKey(`${GITHUB_ED25519} a comment with spaces\n`);
    expect(key.type).toBe("ssh-ed25519");
    expect(key.fingerprint).toBe(GITHUB_ED25519_FINGERPRINT);
  });

  it.each([
    ["ssh-ed25519 AAAA", "does not decode as an ssh-ed25519 key"],
    [GITHUB_ED25519.replace("ssh-ed25519", "ssh-rsa"), "does not decode as an ssh-rsa key"],
    [`${GITHUB_ED25519}!`, "does not decode"],
    ["ssh-dss AAAAB3NzaC1kc3M=", "is not an OpenSSH public key"],
    ["", "is not an OpenSSH public key"],
    ["-----BEGIN OPENSSH PRIVATE KEY-----", "is not an OpenSSH public key"],
  ])("refuses %j", (line, message) => {
    expect(() => parsePublicKey(line)).toThrow(message);
  });
});

describe("repository names", () => {
  it.each(["acme/app", "acme/k8s-flux", "a-b/x_y.z", "A1/x."])("accepts %s", (name) =>
    expect(checkRepositoryName(name)).toBe(name),
  );

  it.each([
    ["acme", "is not of the form owner/repo"],
    ["acme/app/extra", "is not of the form owner/repo"],
    ["-acme/app", "has an owner"],
    ["ac--me/app", "has an owner"],
    ["acme/.hidden", "has a repository name"],
    ["acme/..", "has a repository name"],
    ["acme/a b", "has a repository name"],
    ["acme/a'b", "has a repository name"],
    ["acme/app.git", "ends with .git"],
  ])("refuses %j: %s", (name, message) => {
    expect(() => checkRepositoryName(name)).toThrow(message);
  });
});

describe("authorized keys", () => {
  let dir: string;
  let layout: GitServerLayout;
  const admin = newEd25519PublicKey("admin");

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "git-server-keys-"));
    layout = gitServerLayout(dir);
    for (const repository of ["acme/app", "acme/platform"]) {
      mkdirSync(join(layout.repositories, `${repository}.git`), { recursive: true });
    }
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const lines = (): string[] => readFileSync(layout.authorizedKeys, "utf8").trim().split("\n");

  it("forces the server's command with the key's one repository, restricted", () => {
    const key = newEd25519PublicKey("tenant");
    const added = authorizeKey(layout, admin, key, "acme/app");
    expect(added).toMatchObject({ repository: "acme/app", write: false });
    expect(added.fingerprint).toBe(parsePublicKey(key).fingerprint);
    const keyField = key.split(" ").slice(0, 2).join(" ");
    expect(lines()).toEqual([
      authorizedKeysLine(layout, admin, "admin"),
      `command="/bin/sh ${layout.forcedCommand} ${layout.repositories} read acme/app",restrict ${keyField}`,
    ]);
    expect(lines()[0]).toMatch(/ admin",restrict ssh-ed25519 /);
  });

  it("registers write access only when asked", () => {
    authorizeKey(layout, admin, newEd25519PublicKey(), "acme/platform", { write: true });
    expect(lines()[1]).toContain(' write acme/platform",restrict ');
  });

  it("refuses a key already in use, for any repository, and the admin key", () => {
    const key = newEd25519PublicKey();
    authorizeKey(layout, admin, key, "acme/app");
    expect(() => authorizeKey(layout, admin, key, "acme/platform")).toThrow(
      "is already in use (for acme/app)",
    );
    expect(() => authorizeKey(layout, admin, admin, "acme/app")).toThrow("the server's admin key");
    expect(readKeyRegistry(layout)).toHaveLength(1);
  });

  it("refuses a repository that does not exist, and changes nothing", () => {
    expect(() => authorizeKey(layout, admin, newEd25519PublicKey(), "acme/missing")).toThrow(
      "repository acme/missing does not exist on the git server",
    );
    expect(readKeyRegistry(layout)).toEqual([]);
  });

  it("revokes by key line or fingerprint", () => {
    const first = newEd25519PublicKey();
    const second = newEd25519PublicKey();
    authorizeKey(layout, admin, first, "acme/app");
    const added = authorizeKey(layout, admin, second, "acme/platform");
    expect(revokeKey(layout, admin, first)).toBe(true);
    expect(revokeKey(layout, admin, added.fingerprint)).toBe(true);
    expect(revokeKey(layout, admin, first)).toBe(false);
    expect(readKeyRegistry(layout)).toEqual([]);
    expect(lines()).toEqual([authorizedKeysLine(layout, admin, "admin")]);
  });

  it("refuses a state directory whose path would need quoting in sshd's files", () => {
    expect(() => gitServerLayout("/tmp/with space")).toThrow("absolute path of letters");
    expect(() => gitServerLayout("relative/dir")).toThrow("absolute path of letters");
  });
});

describe("sshd_config", () => {
  it("listens on loopback only, keys only, for the git account only", () => {
    const config = sshdConfigText(gitServerLayout("/srv/git"), 2222);
    const settings = new Map(
      config
        .trim()
        .split("\n")
        .map((line) => [line.split(" ")[0], line.slice(line.indexOf(" ") + 1)]),
    );
    expect(settings.get("ListenAddress")).toBe("127.0.0.1:2222");
    expect(settings.get("AuthenticationMethods")).toBe("publickey");
    expect(settings.get("PasswordAuthentication")).toBe("no");
    expect(settings.get("AllowUsers")).toBe("git");
    expect(settings.get("AuthorizedKeysFile")).toBe("/srv/git/authorized_keys");
    expect(settings.get("DisableForwarding")).toBe("yes");
    expect(settings.get("PermitTTY")).toBe("no");
  });
});
