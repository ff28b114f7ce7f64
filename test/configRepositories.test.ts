/**
 * Repository URLs as Flux will fetch them: no host that reaches the node's credential endpoints
 * or reads as an option, no path characters a shell or URL parser would take for more than a
 * path, and no repository shared between trust levels or tenants, however it is spelled.
 */
import { describe, expect, it } from "vitest";
import { repositoryHostProblem } from "../components/shared/repositoryAddress";
import { app, MINIMAL, problemsOf, validate } from "./configFixtures";
import { TEST_HOST_KEYS } from "./fixtures/hostKeys";

const HOST = "git.example.org";
/** A stack whose system repository is `url`, with a host key for every host these tests use. */
const withSystemRepository = (url: string) => ({
  ...MINIMAL,
  systemFlux: { repository: url },
  knownHosts: {
    [HOST]: `${HOST},[${HOST}]:2222 ${TEST_HOST_KEYS.ed25519}`,
    "127.0.0.1": `[127.0.0.1]:2222 ${TEST_HOST_KEYS.ed25519}`,
    localhost: `localhost ${TEST_HOST_KEYS.ed25519}`,
  },
});
const problemsOfUrl = (url: string) => problemsOf(withSystemRepository(url));

const NOT_A_HOST =
  "which is not a host name; expected a DNS name such as git.example.org, or an IPv4 address written as four numbers such as 192.0.2.10";
const PATH_CHARACTERS =
  "expected letters, digits and . _ ~ - / + @ = , only (a space written as %20)";

describe("repository paths", () => {
  it.each([
    ["a space", " ", "a space"],
    ["a tab", "\t", "the invisible or non-ASCII character \\u0009"],
    ["a double quote", '"', '"\\""'],
    ["a single quote", "'", `"'"`],
    ["a dollar sign", "$", '"$"'],
    ["a backtick", "`", '"`"'],
    ["a semicolon", ";", '";"'],
    ["a pipe", "|", '"|"'],
    ["an ampersand", "&", '"&"'],
    ["a question mark", "?", '"?"'],
    ["a hash", "#", '"#"'],
    ["a backslash", "\\", '"\\\\"'],
    ["a parenthesis", "(", '"("'],
    ["a percent sign that escapes no space", "%", '"%"'],
    ["a zero-width space", "\u200b", "the invisible or non-ASCII character \\u200B"],
    ["a right-to-left override", "\u202e", "the invisible or non-ASCII character \\u202E"],
  ])("refuses %s outside GitHub", (_, character, shown) => {
    const url = `ssh://git@${HOST}/platform/flux${character}x.git`;
    const quotedUrl = JSON.stringify(url).replace("\u200b", "\\u200B").replace("\u202e", "\\u202E");
    expect(problemsOfUrl(url)).toEqual([
      `k8s-flux:systemFlux.repository: ${quotedUrl} has ${shown} in its path; ${PATH_CHARACTERS}`,
    ]);
  });

  it.each([
    `ssh://git@${HOST}/platform/flux.git`,
    `git@${HOST}:srv/~team/flux+infra_1.2.git`,
    `ssh://git@${HOST}:2222/v3/acme/Platform%20Team/flux`,
    `git@${HOST}:group/sub-group/flux@v2=a,b.git`,
  ])("accepts %s", (url) => {
    expect(validate(withSystemRepository(url)).systemFlux.repository.original).toBe(url);
  });
});

describe("repository hosts", () => {
  it.each([
    [
      "169.254.169.254",
      "which is link-local (169.254.0.0/16), where the node's instance metadata and credential endpoints answer",
    ],
    [
      "169.254.170.23",
      "which is link-local (169.254.0.0/16), where the node's instance metadata and credential endpoints answer",
    ],
    [
      "169.254.0.1",
      "which is link-local (169.254.0.0/16), where the node's instance metadata and credential endpoints answer",
    ],
    ["-oProxyCommand", NOT_A_HOST],
    ["-p2222", NOT_A_HOST],
    ["git.-example.org", NOT_A_HOST],
    ["2852039166", NOT_A_HOST],
    ["0xa9fea9fe", NOT_A_HOST],
    ["0251.0376.0251.0376", NOT_A_HOST],
    ["169.254.169.254.", NOT_A_HOST],
    ["169.254.43518", NOT_A_HOST],
    ["010.0.0.1", NOT_A_HOST],
  ])("refuses %s", (host, reason) => {
    const url = `git@${host}:platform/flux.git`;
    expect(problemsOfUrl(url)).toEqual([
      `k8s-flux:systemFlux.repository: ${JSON.stringify(url)} has host ${JSON.stringify(host)}, ${reason}`,
    ]);
  });

  it.each([
    `ssh://git@127.0.0.1:2222/platform/flux.git`,
    `git@localhost:platform/flux.git`,
    `ssh://git@${HOST}:2222/platform/flux.git`,
  ])("accepts loopback and ordinary hosts: %s", (url) => {
    expect(validate(withSystemRepository(url)).systemFlux.repository.original).toBe(url);
  });

  it("reads IPv6 addresses, mapped IPv4 included", () => {
    expect(repositoryHostProblem("[fe80::1]")).toBe(
      "is link-local (fe80::/10), reachable only from the node's own network link",
    );
    expect(repositoryHostProblem("febf:ffff::1")).toBe(
      "is link-local (fe80::/10), reachable only from the node's own network link",
    );
    expect(repositoryHostProblem("[fd00:ec2::254]")).toBe(
      "is in fd00:ec2::/32, where EC2 answers instance metadata and EKS Pod Identity credentials over IPv6",
    );
    expect(repositoryHostProblem("fd00:0ec2:0:0:0:0:0:23")).toBe(
      "is in fd00:ec2::/32, where EC2 answers instance metadata and EKS Pod Identity credentials over IPv6",
    );
    expect(repositoryHostProblem("::ffff:169.254.169.254")).toBe(
      "is link-local (169.254.0.0/16), where the node's instance metadata and credential endpoints answer",
    );
    expect(repositoryHostProblem("[::1]")).toBeUndefined();
    expect(repositoryHostProblem("fec0::1")).toBeUndefined();
    expect(repositoryHostProblem("2001:db8::1")).toBeUndefined();
  });

  it("refuses an SSH user that reads as an option", () => {
    const url = `ssh://-oProxyCommand=x@${HOST}/platform/flux.git`;
    const problems = problemsOfUrl(`ssh://-oProxy@${HOST}/platform/flux.git`);
    expect(problems).toEqual([
      `k8s-flux:systemFlux.repository: "ssh://-oProxy@${HOST}/platform/flux.git" has SSH user "-oProxy", which reads as a command-line option; expected a user name such as git`,
    ]);
    expect(problemsOfUrl(url)).toEqual([
      `k8s-flux:systemFlux.repository: ${JSON.stringify(url)} is not an SSH URL; expected an SSH URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git`,
    ]);
  });
});

describe("a repository used twice", () => {
  const SYSTEM = "git@github.com:acme/k8s-flux.git";
  const SAME_AS_SYSTEM = (index: number, url: string) =>
    `k8s-flux:applications[${index}].repository: ${JSON.stringify(url)} is the same repository as k8s-flux:systemFlux.repository; expected a repository of the application's own (the system repository is applied with cluster-admin rights, so whoever pushes to the application's repository would own the cluster)`;

  it.each([
    SYSTEM,
    "ssh://git@github.com/acme/k8s-flux.git",
    "ssh://git@github.com/acme/k8s-flux",
    "ssh://git@github.com/acme/k8s-flux/",
    "ssh://git@GitHub.com/Acme/K8s-Flux.GIT",
    "git@GITHUB.COM:ACME/k8s-flux",
    "ssh://git@github.com:22/acme/k8s-flux.git",
    "ssh://git@ssh.github.com:443/acme/k8s-flux.git",
    "ssh://SSH.GitHub.com:443/Acme/K8s-Flux.GIT/",
  ])("refuses the system repository as an application's, spelled %s", (url) => {
    expect(problemsOf({ ...MINIMAL, applications: [app("shop", { repository: url })] })).toEqual([
      SAME_AS_SYSTEM(0, url),
    ]);
  });

  it("refuses one repository for two applications, outside GitHub too", () => {
    const first = `ssh://git@${HOST}:2222/team/shop.git`;
    const second = `ssh://deploy@${HOST}:2222/team/./shop/`;
    expect(
      problemsOf({
        ...withSystemRepository(SYSTEM),
        applications: [app("shop", { repository: first }), app("shop-eu", { repository: second })],
      }),
    ).toEqual([
      `k8s-flux:applications[1].repository: ${JSON.stringify(second)} is the same repository as k8s-flux:applications[0].repository; expected a repository of the application's own (whoever pushes to it would deploy into both applications' namespaces)`,
    ]);
  });

  it("refuses one GitHub repository for two applications, through github.com and ssh.github.com:443", () => {
    const second = "ssh://git@ssh.github.com:443/acme/shop-flux.git";
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [app("shop"), app("shop-eu", { repository: second })],
      }),
    ).toEqual([
      `k8s-flux:applications[1].repository: ${JSON.stringify(second)} is the same repository as k8s-flux:applications[0].repository; expected a repository of the application's own (whoever pushes to it would deploy into both applications' namespaces)`,
    ]);
  });

  it("accepts repositories that differ in host, port or path", () => {
    const settings = validate({
      ...withSystemRepository(SYSTEM),
      applications: [
        app("shop", { repository: `ssh://git@${HOST}/acme/k8s-flux.git` }),
        app("shop-eu", { repository: `ssh://git@${HOST}:2222/acme/k8s-flux.git` }),
        app("shop-us", { repository: "git@github.com:acme/k8s-flux-us.git" }),
        app("shop-ap", { repository: "git@github.com:acme-ap/k8s-flux.git" }),
      ],
    });
    expect(settings.applications).toHaveLength(4);
  });
});

describe("a repository reached through GitHub's SSH over the HTTPS port", () => {
  const OVER_443 = "ssh://git@ssh.github.com:443/acme/shop-flux.git";

  it("is on GitHub, with its deploy key registered there, and needs no knownHosts entry", () => {
    const settings = validate({
      ...MINIMAL,
      applications: [app("shop", { repository: OVER_443 })],
    });
    expect(settings.applications[0]?.repository).toEqual({
      original: OVER_443,
      sshUrl: OVER_443,
      host: "ssh.github.com",
      port: 443,
      github: { owner: "acme", name: "shop-flux" },
    });
    expect(settings.knownHosts["ssh.github.com"]?.split("\n")[0]).toBe(
      "[ssh.github.com]:443 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    );
  });

  it("needs the GitHub token that registers its deploy key", () => {
    expect(
      problemsOf(
        { ...MINIMAL, applications: [app("shop", { repository: OVER_443 })] },
        { githubTokenIsSet: false },
      ),
    ).toEqual([
      'github:token: is required to register deploy keys on acme/k8s-flux, acme/shop-flux; expected a token with the repositories\' Administration permission (read and write), set with "pulumi config set --secret github:token <token>" or exported as GITHUB_TOKEN',
    ]);
  });

  it("on port 22 is another host, whose host key must be given", () => {
    const url = "git@ssh.github.com:acme/shop-flux.git";
    expect(problemsOf({ ...MINIMAL, applications: [app("shop", { repository: url })] })).toEqual([
      'k8s-flux:applications[0].repository: the built-in known_hosts for ssh.github.com has no line for ssh.github.com, the host field ssh looks up for port 22; expected a line whose host field is or lists ssh.github.com in k8s-flux:knownHosts["ssh.github.com"], as printed by "ssh-keyscan ssh.github.com", checked out of band; GitHub\'s SSH over the HTTPS port is ssh.github.com port 443, such as ssh://git@ssh.github.com:443/owner/repo.git, whose host keys are built in and whose deploy keys are registered on GitHub',
    ]);
  });
});
