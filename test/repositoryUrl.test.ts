/**
 * parseRepositoryUrl: the SSH spellings users paste, the one ssh:// form Flux gets, the GitHub
 * owner and name deploy keys are registered on, and what is refused and why: the same rules for
 * the config layer and for components used as a library.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  gitSourceDefaults,
  type GitRepositoryLocation,
  resolveGitSource,
} from "../components/shared/gitSource";
import { builtInKnownHostsFor, GITHUB_KNOWN_HOSTS } from "../components/shared/knownHosts";
import { parseRepositoryUrl } from "../components/shared/repositoryUrl";
import { TEST_HOST_KEYS } from "./fixtures/hostKeys";
import { startMockRun } from "./harness";

const EXPECTED_FORMS =
  "expected an SSH URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git";

describe("parseRepositoryUrl accepts", () => {
  it("the scp-like form GitHub shows, as an ssh:// URL with its owner and name", () => {
    expect(parseRepositoryUrl("git@github.com:acme/x.git")).toEqual({
      ok: true,
      location: {
        original: "git@github.com:acme/x.git",
        sshUrl: "ssh://git@github.com/acme/x.git",
        host: "github.com",
        github: { owner: "acme", name: "x" },
      },
    });
  });

  it("the ssh:// form unchanged", () => {
    expect(parseRepositoryUrl("ssh://git@github.com/acme/x.git")).toEqual({
      ok: true,
      location: {
        original: "ssh://git@github.com/acme/x.git",
        sshUrl: "ssh://git@github.com/acme/x.git",
        host: "github.com",
        github: { owner: "acme", name: "x" },
      },
    });
  });

  it("GitHub URLs without .git, and adds it, so every spelling gives one URL", () => {
    const spellings = [
      "git@github.com:acme/x",
      "git@github.com:acme/x.git",
      "ssh://git@github.com/acme/x",
      "ssh://github.com/acme/x.git",
      "ssh://git@github.com:22/acme/x.git",
      "ssh://git@GitHub.com/acme/x.git/",
      "  git@github.com:acme/x.git  ",
      // GitHub removes a trailing .git from a repository's name in any case.
      "git@github.com:acme/x.GIT",
      "ssh://git@github.com/acme/x.Git/",
      "git@github.com:/acme/x.git",
    ];
    const parsed = spellings.map((url) => {
      const result = parseRepositoryUrl(url);
      return result.ok ? [result.location.sshUrl, result.location.github] : result.reason;
    });
    expect(parsed).toEqual(
      spellings.map(() => ["ssh://git@github.com/acme/x.git", { owner: "acme", name: "x" }]),
    );
  });

  it("a port other than 22, kept in the URL and given separately", () => {
    expect(parseRepositoryUrl("ssh://git@git.example.org:2222/a/b.git")).toEqual({
      ok: true,
      location: {
        original: "ssh://git@git.example.org:2222/a/b.git",
        sshUrl: "ssh://git@git.example.org:2222/a/b.git",
        host: "git.example.org",
        port: 2222,
      },
    });
  });

  it("port 22 written out as no port at all, in the URL and the location", () => {
    expect(parseRepositoryUrl("ssh://git@git.example.org:22/a/b.git")).toStrictEqual({
      ok: true,
      location: {
        original: "ssh://git@git.example.org:22/a/b.git",
        sshUrl: "ssh://git@git.example.org/a/b.git",
        host: "git.example.org",
      },
    });
  });

  it("an upper-case owner and name as written (GitHub ignores case)", () => {
    expect(parseRepositoryUrl("git@github.com:Acme-Corp/Payments.Flux.git")).toEqual({
      ok: true,
      location: {
        original: "git@github.com:Acme-Corp/Payments.Flux.git",
        sshUrl: "ssh://git@github.com/Acme-Corp/Payments.Flux.git",
        host: "github.com",
        github: { owner: "Acme-Corp", name: "Payments.Flux" },
      },
    });
  });

  it("a relative scp-like path, read from the root as GitHub and GitLab read it", () => {
    expect(parseRepositoryUrl("git@git.example.org:srv/git/flux.git")).toMatchObject({
      ok: true,
      location: { sshUrl: "ssh://git@git.example.org/srv/git/flux.git" },
    });
  });

  it("a host other than GitHub, with any user and path, and no github field", () => {
    expect(parseRepositoryUrl("gitea@git.example.org:platform/infra/flux.git")).toEqual({
      ok: true,
      location: {
        original: "gitea@git.example.org:platform/infra/flux.git",
        sshUrl: "ssh://gitea@git.example.org/platform/infra/flux.git",
        host: "git.example.org",
      },
    });
  });

  it("the scp-like form with an absolute path, as plain Git servers are reached", () => {
    expect(parseRepositoryUrl("git@git.example.org:/srv/git/flux.git")).toEqual({
      ok: true,
      location: {
        original: "git@git.example.org:/srv/git/flux.git",
        sshUrl: "ssh://git@git.example.org/srv/git/flux.git",
        host: "git.example.org",
      },
    });
  });
});

describe("GitHub's SSH over the HTTPS port, ssh.github.com:443", () => {
  const locationOf = (url: string): GitRepositoryLocation => {
    const result = parseRepositoryUrl(url);
    if (!result.ok) throw new Error(result.reason);
    return result.location;
  };

  it.each([
    "ssh://git@ssh.github.com:443/acme/x.git",
    "ssh://git@SSH.GitHub.com:443/acme/x",
    "ssh://ssh.github.com:443/acme/x.git/",
  ])("is GitHub, with its owner and name and the port kept: %s", (url) => {
    expect(locationOf(url)).toEqual({
      original: url,
      sshUrl: "ssh://git@ssh.github.com:443/acme/x.git",
      host: "ssh.github.com",
      port: 443,
      github: { owner: "acme", name: "x" },
    });
  });

  it("is held to GitHub's rules on users and paths", () => {
    expect(parseRepositoryUrl("ssh://alice@ssh.github.com:443/acme/x.git")).toEqual({
      ok: false,
      reason:
        '"ssh://alice@ssh.github.com:443/acme/x.git" uses SSH user "alice"; GitHub only accepts "git"',
    });
    expect(parseRepositoryUrl("ssh://git@ssh.github.com:443/acme/team/x.git")).toEqual({
      ok: false,
      reason:
        '"ssh://git@ssh.github.com:443/acme/team/x.git" has path "acme/team/x.git", but GitHub repository paths are exactly <owner>/<repo>; expected git@github.com:<owner>/<repo>.git, such as git@github.com:acme/k8s-flux.git',
    });
  });

  it("is GitHub on port 443 only, the port GitHub documents for that name", () => {
    expect(locationOf("git@ssh.github.com:acme/x.git").github).toBeUndefined();
    expect(locationOf("ssh://git@ssh.github.com:2222/acme/x.git").github).toBeUndefined();
  });

  it("has github.com's host keys built in, under the name ssh looks up for port 443", () => {
    const keys = GITHUB_KNOWN_HOSTS.split("\n").map((line) => line.split(" ").slice(1).join(" "));
    expect(keys).toHaveLength(3);
    expect(builtInKnownHostsFor(locationOf("ssh://git@ssh.github.com:443/acme/x.git"))).toBe(
      keys.map((key) => `[ssh.github.com]:443 ${key}`).join("\n"),
    );
    expect(keys[0]).toBe(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    );
  });

  it("has no built-in host keys on another port, nor has github.com off port 22", () => {
    expect(builtInKnownHostsFor(locationOf("git@ssh.github.com:acme/x.git"))).toBeUndefined();
    expect(builtInKnownHostsFor(locationOf("ssh://git@github.com:443/acme/x.git"))).toBeUndefined();
    expect(builtInKnownHostsFor(locationOf("git@github.com:acme/x.git"))).toBe(GITHUB_KNOWN_HOSTS);
  });
});

describe("parseRepositoryUrl refuses", () => {
  const reasonFor = (url: string): string => {
    const result = parseRepositoryUrl(url);
    return result.ok ? `accepted as ${result.location.sshUrl}` : result.reason;
  };

  it.each([
    ["https://github.com/acme/x.git"],
    ["http://github.com/acme/x"],
    ["file:///srv/git/x.git"],
    ["/srv/git/x.git"],
    ["../x.git"],
    ["github.com/acme/x"],
    ["git@github.com:"],
    ["ssh://git@github.com/"],
    ["not a url"],
    [""],
  ])("%j, which is not an SSH URL", (url) => {
    expect(reasonFor(url)).toBe(`${JSON.stringify(url)} is not an SSH URL; ${EXPECTED_FORMS}`);
  });

  it("a URL without a usable repository path", () => {
    expect(reasonFor("ssh://git@git.example.org//")).toBe(
      `"ssh://git@git.example.org//" has no usable repository path; ${EXPECTED_FORMS}`,
    );
    expect(reasonFor("git@git.example.org:a/../b.git")).toBe(
      `"git@git.example.org:a/../b.git" has no usable repository path; ${EXPECTED_FORMS}`,
    );
    expect(reasonFor("git@git.example.org:/")).toBe(
      `"git@git.example.org:/" has no usable repository path; ${EXPECTED_FORMS}`,
    );
  });

  it.each([
    "git@git.example.org:~/flux.git",
    "git@git.example.org:/~/flux.git",
    "ssh://git@git.example.org/~/flux.git",
    "ssh://git@git.example.org:2222/~git/flux.git",
  ])("%j, whose path starts with ~, which Flux would ask the server for as it is", (url) => {
    expect(reasonFor(url)).toBe(
      `${JSON.stringify(url)} has a path that starts with "~", which is not expanded by Flux; expected the absolute path on the server, such as git@git.example.org:/srv/git/app.git`,
    );
  });

  it("nothing about a ~ further along the path", () => {
    expect(reasonFor("git@git.example.org:srv/~git/flux.git")).toBe(
      "accepted as ssh://git@git.example.org/srv/~git/flux.git",
    );
  });

  it("port 0", () => {
    expect(reasonFor("ssh://git@git.example.org:0/a/b.git")).toBe(
      '"ssh://git@git.example.org:0/a/b.git" has port 0; expected a port from 1 to 65535',
    );
  });

  const GITHUB_FORM =
    "expected git@github.com:<owner>/<repo>.git, such as git@github.com:acme/k8s-flux.git";

  it.each([
    ["git@github.com:acme/team/x.git", "acme/team/x.git"],
    ["ssh://git@github.com/acme/team/x", "acme/team/x"],
    ["git@github.com:acme", "acme"],
  ])("%j, whose path is not exactly <owner>/<repo>", (url, path) => {
    expect(reasonFor(url)).toBe(
      `${JSON.stringify(url)} has path ${JSON.stringify(path)}, but GitHub repository paths are exactly <owner>/<repo>; ${GITHUB_FORM}`,
    );
  });

  it.each([
    ["git@github.com:acme.corp/x.git", "acme.corp"],
    ["git@github.com:acme_corp/x", "acme_corp"],
    ["git@github.com:-acme/x.git", "-acme"],
    [`git@github.com:${"a".repeat(40)}/x.git`, "a".repeat(40)],
  ])("%j, whose owner is not a GitHub account name", (url, owner) => {
    expect(reasonFor(url)).toBe(
      `${JSON.stringify(url)} has owner ${JSON.stringify(owner)}, which is not a GitHub account name; expected up to 39 letters, digits and hyphens, starting with a letter or digit, such as acme-corp`,
    );
  });

  it("a GitHub URL with an empty repository name", () => {
    expect(reasonFor("git@github.com:acme/.git")).toBe(
      `"git@github.com:acme/.git" has an empty repository name; ${GITHUB_FORM}`,
    );
  });

  it.each([
    ["git@github.com:acme/x y.git", "x y"],
    ["git@github.com:acme/..git", "."],
    [`git@github.com:acme/${"x".repeat(101)}.git`, "x".repeat(101)],
  ])("%j, whose repository name GitHub would not accept", (url, name) => {
    expect(reasonFor(url)).toBe(
      `${JSON.stringify(url)} has repository name ${JSON.stringify(name)}, which is not a GitHub repository name; expected letters, digits, ".", "_" and "-", such as k8s-flux`,
    );
  });

  it.each(["acme-", "ac--me"])(
    "accepts %j, an owner older GitHub accounts may still have",
    (owner) => {
      expect(reasonFor(`git@github.com:${owner}/x.git`)).toBe(
        `accepted as ssh://git@github.com/${owner}/x.git`,
      );
    },
  );

  it("nothing about an owner of 39 characters with single hyphens (the limit)", () => {
    const owner = `a-${"b".repeat(35)}-c`;
    expect(reasonFor(`git@github.com:${owner}/x.git`)).toBe(
      `accepted as ssh://git@github.com/${owner}/x.git`,
    );
  });

  it("a GitHub URL with an SSH user other than git", () => {
    expect(reasonFor("alice@github.com:acme/x.git")).toBe(
      '"alice@github.com:acme/x.git" uses SSH user "alice"; GitHub only accepts "git"',
    );
  });

  // A right-to-left override would print the rest of the message backwards; a zero-width space
  // would make the quoted URL look like one that should have been accepted.
  it("a URL with invisible characters, showing them escaped in the URL and the part it names", () => {
    expect(reasonFor("https://github.com/acme/x\u200B.git")).toBe(
      `"https://github.com/acme/x\\u200B.git" is not an SSH URL; ${EXPECTED_FORMS}`,
    );
    expect(reasonFor("git@github.com:ac\u200Bme/x.git")).toBe(
      '"git@github.com:ac\\u200Bme/x.git" has owner "ac\\u200Bme", which is not a GitHub account name; expected up to 39 letters, digits and hyphens, starting with a letter or digit, such as acme-corp',
    );
    expect(reasonFor("git@github.com:acme/x\u202Etig.git")).toBe(
      '"git@github.com:acme/x\\u202Etig.git" has repository name "x\\u202Etig", which is not a GitHub repository name; expected letters, digits, ".", "_" and "-", such as k8s-flux',
    );
    expect(reasonFor("git@github.com:acme/team/\u202Ex.git")).toBe(
      `"git@github.com:acme/team/\\u202Ex.git" has path "acme/team/\\u202Ex.git", but GitHub repository paths are exactly <owner>/<repo>; ${GITHUB_FORM}`,
    );
  });
});

describe("resolveGitSource, as components take a source", () => {
  it("parses a URL and follows main at the repository root every minute by default", () => {
    expect(resolveGitSource({ repository: "git@github.com:acme/x.git" })).toEqual({
      source: {
        repository: {
          original: "git@github.com:acme/x.git",
          sshUrl: "ssh://git@github.com/acme/x.git",
          host: "github.com",
          github: { owner: "acme", name: "x" },
        },
        branch: "main",
        path: "./",
        interval: "1m",
      },
    });
    expect(gitSourceDefaults).toEqual({ branch: "main", path: "./", interval: "1m" });
  });

  it("keeps a parsed location and every setting given", () => {
    const parsed = parseRepositoryUrl("ssh://git@git.example.org:2222/a/b.git");
    if (!parsed.ok) throw new Error(parsed.reason);
    const given = { branch: "release", path: "./prod", interval: "5m" };
    expect(resolveGitSource({ repository: parsed.location, ...given })).toEqual({
      source: { repository: parsed.location, ...given },
    });
  });

  it("says why a URL is unusable, as the parser does", () => {
    expect(resolveGitSource({ repository: "https://github.com/acme/x" })).toEqual({
      problem: `"https://github.com/acme/x" is not an SSH URL; ${EXPECTED_FORMS}`,
    });
  });
});

describe("the addresses Flux must not be pointed at", () => {
  const reasonFor = (url: string): string => {
    const result = parseRepositoryUrl(url);
    return result.ok ? `accepted as ${result.location.sshUrl}` : result.reason;
  };
  const LINK_LOCAL =
    "which is link-local (169.254.0.0/16), where the node's instance metadata and credential endpoints answer";

  it("are refused by the parser itself, with the config layer's words", () => {
    expect(reasonFor("git@169.254.169.254:acme/meta.git")).toBe(
      `"git@169.254.169.254:acme/meta.git" has host "169.254.169.254", ${LINK_LOCAL}`,
    );
    expect(reasonFor("ssh://git@-oProxyCommand/acme/x.git")).toBe(
      '"ssh://git@-oProxyCommand/acme/x.git" has host "-oProxyCommand", which is not a host name; expected a DNS name such as git.example.org, or an IPv4 address written as four numbers such as 192.0.2.10',
    );
    expect(reasonFor("ssh://git@git.example.org/platform/flux$(id).git")).toBe(
      '"ssh://git@git.example.org/platform/flux$(id).git" has "$" in its path; expected letters, digits and . _ ~ - / + @ = , only (a space written as %20)',
    );
    expect(reasonFor("ssh://git@git.example.org/a/b\u202e.git")).toBe(
      '"ssh://git@git.example.org/a/b\\u202E.git" has the invisible or non-ASCII character \\u202E in its path; expected letters, digits and . _ ~ - / + @ = , only (a space written as %20)',
    );
  });

  it.each([
    ["ssh://git@git.example.org/-upload-pack=touch", "-upload-pack=touch"],
    ["ssh://git@git.example.org/team/-x.git", "-x.git"],
    ["git@git.example.org:--help/flux.git", "--help"],
    ["ssh://git@git.example.org:2222/a/b/-oProxyCommand=x", "-oProxyCommand=x"],
  ])("%s, outside GitHub, whose path segment starts with -", (url, segment) => {
    expect(reasonFor(url)).toBe(
      `${JSON.stringify(url)} has the path segment ${JSON.stringify(segment)}, which starts with "-" and reads as a command-line option; expected segments that start with a letter, digit or one of . _ ~ + @ = ,`,
    );
  });

  it("leave a - inside or at the end of a path segment alone", () => {
    expect(reasonFor("ssh://git@git.example.org/team-a/flux-.git")).toBe(
      "accepted as ssh://git@git.example.org/team-a/flux-.git",
    );
  });

  it("leave loopback, which the local stack uses, and ordinary hosts alone", () => {
    expect(reasonFor("ssh://git@127.0.0.1:2222/platform/flux.git")).toBe(
      "accepted as ssh://git@127.0.0.1:2222/platform/flux.git",
    );
    expect(reasonFor("git@git.example.org:group/sub/flux@v2=a,b.git")).toBe(
      "accepted as ssh://git@git.example.org/group/sub/flux@v2=a,b.git",
    );
  });

  it("are refused in a location built by hand, checked as the URL Flux fetches", () => {
    const byHand: GitRepositoryLocation = {
      original: "our mirror",
      sshUrl: "ssh://git@169.254.169.254/acme/meta.git",
      host: "git.example.org",
    };
    expect(resolveGitSource({ repository: byHand })).toEqual({
      problem: `"ssh://git@169.254.169.254/acme/meta.git" has host "169.254.169.254", ${LINK_LOCAL}`,
    });
    const elsewhere = { ...byHand, sshUrl: "ssh://git@git.example.org:2222/acme/meta.git" };
    expect(resolveGitSource({ repository: elsewhere })).toEqual({
      problem:
        'has host "git.example.org" and port 22, but its sshUrl "ssh://git@git.example.org:2222/acme/meta.git" names host "git.example.org" and port 2222; expected a location as parseRepositoryUrl returns it',
    });
  });

  it("make a component refuse the repository with a ResourceError before creating anything", async () => {
    const run = await startMockRun("test");
    const { DeployKey } = await import("../components/deployKey");
    let refusal: unknown;
    try {
      new DeployKey("meta-deploy-key", {
        repository: "git@169.254.169.254:acme/meta.git",
        title: "k8s-flux dev-eks meta",
        knownHosts: `169.254.169.254 ${TEST_HOST_KEYS.ed25519}`,
        secretName: "meta-deploy-key",
        secretNamespace: "meta-flux",
      });
    } catch (error) {
      refusal = error;
    }
    await run.settle();
    expect(refusal).toBeInstanceOf(pulumi.ResourceError);
    expect((refusal as Error).message).toBe(
      `DeployKey meta-deploy-key: repository "git@169.254.169.254:acme/meta.git" has host "169.254.169.254", ${LINK_LOCAL}`,
    );
    expect(run.resources.map((r) => r.type)).toEqual(["k8s-flux:deployKey:DeployKey"]);
  });
});
