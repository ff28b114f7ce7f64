/**
 * Stack config, the user's interface: defaults, the two SSH spellings, and bad input. Every bad
 * setting fails with a one-line message that names the key and says what was expected, all of a
 * config's problems are reported together, and nothing is registered before they are.
 */
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GITHUB_HTTPS_PORT_KNOWN_HOSTS, GITHUB_KNOWN_HOSTS } from "../components/shared/knownHosts";
import { readRawStackConfig } from "../stacks/loadConfig";
import { StackConfigError } from "../stacks/messages";
import { app, MINIMAL, problemsOf, validate, ZONE } from "./configFixtures";
import { TEST_HOST_KEYS } from "./fixtures/hostKeys";
import {
  startMockRun,
  stackFileConfig,
  TEST_GITHUB_TOKEN,
  TEST_GITHUB_TOKEN_FROM_ENV,
  TEST_LICENSE_KEY,
  valueOf,
  runIndex,
  thrownMessage,
} from "./harness";

const SYSTEM_REPOSITORY = {
  original: "git@github.com:acme/k8s-flux.git",
  sshUrl: "ssh://git@github.com/acme/k8s-flux.git",
  host: "github.com",
  github: { owner: "acme", name: "k8s-flux" },
};

const NOT_SSH = (url: string) =>
  `${JSON.stringify(url)} is not an SSH URL; expected an SSH URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git`;
const NOT_DURATION = (value: string) =>
  `${JSON.stringify(value)} is not a duration; expected a duration such as 1m, 90s or 1h30m (units ms, s, m, h)`;
const TAKES = (name: string, namespace: string, owner: string) =>
  `${JSON.stringify(name)} would take the namespace ${JSON.stringify(namespace)}, ${owner}; expected a name whose namespaces (<name> and <name>-flux) belong to no one else`;
const LICENSE_REQUIRED =
  'k8s-flux:newrelicLicenseKey: is required while k8s-flux:newrelic.enabled is true (the default); expected a secret set with "pulumi config set --secret k8s-flux:newrelicLicenseKey <key>", or set k8s-flux:newrelic.enabled to false';
const STORED_AS_SECRET = (key: string) =>
  `k8s-flux:${key}: is stored as a secret, but its value is written to plain state, outputs and GitHub; expected it set without --secret`;
const TOKEN_IN_PLAINTEXT =
  'github:token: is set in plaintext in the stack\'s config; expected a secret, set with "pulumi config set --secret github:token <token>", or export GITHUB_TOKEN';
const LICENSE_IN_PLAINTEXT =
  'k8s-flux:newrelicLicenseKey: is set in plaintext in the stack\'s config; expected a secret, set with "pulumi config set --secret k8s-flux:newrelicLicenseKey <key>"';
/** Stands in for a secret pasted into the wrong setting; no message may contain any of it. */
const FAKE_SECRET = "SUPERSECRET-TEST-0123456789abcdef";
/** GitHub's keys, at github.com and at its SSH-over-HTTPS address ssh.github.com:443. */
const BUILT_IN_KNOWN_HOSTS = {
  "github.com": GITHUB_KNOWN_HOSTS,
  "ssh.github.com": GITHUB_HTTPS_PORT_KNOWN_HOSTS,
};
const TOP_LEVEL_KEYS =
  "clusterName, externalDns, systemFlux, applications, sealedSecrets, metricsServer, newrelic, knownHosts, registerDeployKeys, waitForReadiness, newrelicLicenseKey";

describe("valid stack config", () => {
  it("fills in every default", () => {
    expect(validate(MINIMAL)).toEqual({
      clusterName: "dev-eks",
      externalDns: {
        domainFilters: [],
        hostedZoneIds: [ZONE],
        policy: "upsert-only",
        identity: { mode: "irsa", eksClusterName: "dev-eks" },
        legacyAnnotations: false,
      },
      systemFlux: {
        repository: SYSTEM_REPOSITORY,
        branch: "main",
        path: "./",
        interval: "1m",
        imageAutomation: false,
        keyGeneration: 1,
        installOperator: true,
        operatorWebUi: false,
      },
      applications: [],
      sealedSecrets: { enabled: true, keys: ["sealed-secrets-key"], allowKeyRemoval: false },
      metricsServer: { enabled: true },
      newRelic: { enabled: false },
      knownHosts: BUILT_IN_KNOWN_HOSTS,
      registerDeployKeys: true,
      waitForReadiness: true,
    });
  });

  it("fills in an application's branch, path and interval, and prefixes paths with ./", () => {
    const settings = validate({
      ...MINIMAL,
      systemFlux: { repository: "git@github.com:acme/k8s-flux.git", path: "system" },
      applications: [
        app("sample-dev"),
        app("payments", { path: "./deploy/prod", interval: "90s" }),
      ],
    });
    expect(settings.systemFlux.path).toBe("./system");
    expect(settings.applications).toEqual([
      {
        name: "sample-dev",
        repository: {
          original: "git@github.com:acme/sample-dev-flux.git",
          sshUrl: "ssh://git@github.com/acme/sample-dev-flux.git",
          host: "github.com",
          github: { owner: "acme", name: "sample-dev-flux" },
        },
        branch: "main",
        path: "./",
        interval: "1m",
        podSecurity: "baseline",
        keyGeneration: 1,
        networkPolicy: false,
      },
      {
        name: "payments",
        repository: {
          original: "git@github.com:acme/payments-flux.git",
          sshUrl: "ssh://git@github.com/acme/payments-flux.git",
          host: "github.com",
          github: { owner: "acme", name: "payments-flux" },
        },
        branch: "main",
        path: "./deploy/prod",
        interval: "90s",
        podSecurity: "baseline",
        keyGeneration: 1,
        networkPolicy: false,
      },
    ]);
  });

  it("turns components off with enabled: false; External DNS off leaves no settings", () => {
    const settings = validate({
      ...MINIMAL,
      externalDns: { enabled: false, identity: "kube2iam" },
      sealedSecrets: { enabled: false },
      metricsServer: { enabled: false },
    });
    expect(settings.externalDns).toBeUndefined();
    expect(settings.sealedSecrets).toEqual({
      enabled: false,
      keys: ["sealed-secrets-key"],
      allowKeyRemoval: false,
    });
    expect(settings.metricsServer).toEqual({ enabled: false });
  });

  it("takes External DNS as written, de-duplicating zones and stripping /hostedzone/", () => {
    const settings = validate({
      ...MINIMAL,
      externalDns: {
        domainFilters: ["example.com", "api.example.com"],
        hostedZoneIds: ["/hostedzone/Z0PRODUCTION0EXAMPLE1", "Z0PRODUCTION0EXAMPLE1"],
        policy: "sync",
        identity: "pod-identity",
        eksClusterName: "prod-eks",
        legacyAnnotations: true,
      },
    });
    expect(settings.externalDns).toEqual({
      domainFilters: ["example.com", "api.example.com"],
      hostedZoneIds: ["Z0PRODUCTION0EXAMPLE1"],
      policy: "sync",
      identity: { mode: "pod-identity", eksClusterName: "prod-eks" },
      legacyAnnotations: true,
    });
  });

  it("takes kube2iam with the node role, and irsa with a given OIDC provider", () => {
    const kube2iam = validate(
      {
        ...MINIMAL,
        externalDns: {
          identity: "kube2iam",
          nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
          hostedZoneIds: [ZONE],
        },
      },
      { awsRegion: "eu-west-1" },
    );
    expect(kube2iam.externalDns?.identity).toEqual({
      mode: "kube2iam",
      nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
    });
    const oidcProviderArn =
      "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
    const irsa = validate({ ...MINIMAL, externalDns: { oidcProviderArn, hostedZoneIds: [ZONE] } });
    expect(irsa.externalDns?.identity).toEqual({
      mode: "irsa",
      eksClusterName: "dev-eks",
      oidcProviderArn,
    });
  });

  it("normalises the scp-like and ssh:// spellings to the same ssh:// URL", () => {
    const [scp, ssh] = [
      "git@github.com:acme/k8s-flux.git",
      "ssh://git@github.com/acme/k8s-flux",
    ].map((repository) => validate({ ...MINIMAL, systemFlux: { repository } }).systemFlux);
    expect(scp?.repository.sshUrl).toBe("ssh://git@github.com/acme/k8s-flux.git");
    expect(ssh?.repository.sshUrl).toBe("ssh://git@github.com/acme/k8s-flux.git");
    expect(ssh?.repository.github).toEqual({ owner: "acme", name: "k8s-flux" });
  });

  it("needs no New Relic license key while New Relic is disabled", () => {
    expect(validate(MINIMAL, { licenseKeyIsSet: false }).newRelic).toEqual({ enabled: false });
  });

  it("needs no GitHub token when no repository is on GitHub", () => {
    const knownHosts = {
      "git.example.org": `[git.example.org]:2222 ${TEST_HOST_KEYS.ed25519}`,
    };
    const settings = validate(
      {
        ...MINIMAL,
        systemFlux: { repository: "ssh://git@git.example.org:2222/platform/flux.git" },
        knownHosts,
      },
      { githubTokenIsSet: false },
    );
    expect(settings.systemFlux.repository).toEqual({
      original: "ssh://git@git.example.org:2222/platform/flux.git",
      sshUrl: "ssh://git@git.example.org:2222/platform/flux.git",
      host: "git.example.org",
      port: 2222,
    });
    expect(settings.knownHosts).toEqual({ ...BUILT_IN_KNOWN_HOSTS, ...knownHosts });
  });

  it("accepts a 58-character name, whose -flux namespace is exactly 63 characters", () => {
    const name = "a".repeat(58);
    expect(validate({ ...MINIMAL, applications: [app(name)] }).applications[0]?.name).toBe(name);
  });
});

describe("bad stack config, one problem each", () => {
  it("missing clusterName", () => {
    const { clusterName: _omitted, ...values } = MINIMAL;
    void _omitted;
    expect(problemsOf(values)).toEqual([
      "k8s-flux:clusterName: is required; expected the cluster's name, such as dev-eks",
    ]);
  });

  it("missing systemFlux, and a systemFlux without a repository", () => {
    const { systemFlux: _required, ...withoutSystemFlux } = MINIMAL;
    void _required;
    expect(problemsOf(withoutSystemFlux)).toEqual([
      "k8s-flux:systemFlux: is required; expected an object with at least a repository",
    ]);
    expect(problemsOf({ ...MINIMAL, systemFlux: { branch: "master" } })).toEqual([
      "k8s-flux:systemFlux.repository: is required; expected an SSH repository URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git",
    ]);
  });

  it("an application name that is not a DNS-1123 label", () => {
    expect(
      problemsOf({ ...MINIMAL, applications: [app("sample-prod"), app("Sample_Dev")] }),
    ).toEqual([
      'k8s-flux:applications[1].name: "Sample_Dev" is not a valid namespace name; expected lower-case letters, digits and "-", starting and ending with a letter or digit, such as sample-dev',
    ]);
  });

  it("an application name whose -flux namespace would exceed 63 characters", () => {
    const name = "a".repeat(59);
    expect(problemsOf({ ...MINIMAL, applications: [app(name)] })).toEqual([
      `k8s-flux:applications[0].name: "${name}" is too long: its namespace "${name}-flux" would exceed 63 characters; expected at most 58 characters`,
    ]);
  });

  it("duplicate application names", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [
          app("sample-dev"),
          app("payments"),
          app("sample-dev", { repository: "git@github.com:acme/other-flux.git" }),
        ],
      }),
    ).toEqual([
      'k8s-flux:applications[2].name: "sample-dev" is also the name of k8s-flux:applications[0]; expected unique application names',
    ]);
  });

  it("two application names that would share a namespace", () => {
    expect(problemsOf({ ...MINIMAL, applications: [app("shop"), app("shop-flux")] })).toEqual([
      'k8s-flux:applications[1].name: "shop-flux" needs namespace "shop-flux", which k8s-flux:applications[0] also uses; expected names that do not differ only by "-flux"',
    ]);
  });

  it.each([
    ["kube-system", "kube-system", "a namespace Kubernetes owns"],
    ["default", "default", "a namespace Kubernetes owns"],
    ["kube-anything", "kube-anything", "in the kube-* range Kubernetes reserves for itself"],
    ["kube", "kube-flux", "in the kube-* range Kubernetes reserves for itself"],
    ["openshift-apps", "openshift-apps", "in the openshift-* range OpenShift reserves for itself"],
    [
      "flux-system",
      "flux-system",
      "a namespace this program installs its platform components into",
    ],
    [
      "external-dns",
      "external-dns",
      "a namespace this program installs its platform components into",
    ],
    ["newrelic", "newrelic", "a namespace this program installs its platform components into"],
    ["cert-manager", "cert-manager", "where cert-manager installs by default"],
    ["ingress-nginx", "ingress-nginx", "where ingress-nginx installs by default"],
    ["karpenter", "karpenter", "where Karpenter installs by default"],
    [
      "amazon-cloudwatch",
      "amazon-cloudwatch",
      "where the Amazon CloudWatch Observability add-on installs by default",
    ],
    ["argocd", "argocd", "where Argo CD installs by default"],
  ])("the name %s, which would take the namespace %s", (name, namespace, owner) => {
    expect(problemsOf({ ...MINIMAL, applications: [app(name)] })).toEqual([
      `k8s-flux:applications[0].name: ${TAKES(name, namespace, owner)}`,
    ]);
  });

  it.each(["kubernetes", "cert", "flux", "system", "payments-system", "karpenter-demo"])(
    "accepts the name %s, whose namespaces belong to no one",
    (name) => {
      expect(validate({ ...MINIMAL, applications: [app(name)] }).applications[0]?.name).toBe(name);
    },
  );

  it.each(["https://github.com/acme/k8s-flux.git", "not a repository"])(
    "a systemFlux.repository that is not SSH: %s",
    (repository) => {
      expect(problemsOf({ ...MINIMAL, systemFlux: { repository } })).toEqual([
        `k8s-flux:systemFlux.repository: ${NOT_SSH(repository)}`,
      ]);
    },
  );

  it("a repository path that starts with ~, naming the key and asking for the absolute path", () => {
    const repository = "git@git.example.org:~/sample-dev-flux.git";
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [app("payments"), app("sample-dev", { repository })],
      }),
    ).toEqual([
      `k8s-flux:applications[1].repository: "${repository}" has a path that starts with "~", which is not expanded by Flux; expected the absolute path on the server, such as git@git.example.org:/srv/git/app.git`,
    ]);
  });

  it.each(["https://github.com/acme/sample-dev-flux", "not a repository"])(
    "an applications[i].repository that is not SSH: %s",
    (repository) => {
      expect(
        problemsOf({
          ...MINIMAL,
          applications: [app("payments"), app("sample-dev", { repository })],
        }),
      ).toEqual([`k8s-flux:applications[1].repository: ${NOT_SSH(repository)}`]);
    },
  );

  it.each(["2 minutes", "5x", "", "1m30", "-1m"])("the malformed interval %j", (interval) => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: { repository: "git@github.com:acme/k8s-flux.git", interval },
      }),
    ).toEqual([`k8s-flux:systemFlux.interval: ${NOT_DURATION(interval)}`]);
  });

  it("a zero interval", () => {
    expect(
      problemsOf({ ...MINIMAL, applications: [app("sample-dev", { interval: "0s" })] }),
    ).toEqual([
      'k8s-flux:applications[0].interval: "0s" is zero; expected a positive duration such as 1m',
    ]);
  });

  it("an interval that is a number", () => {
    expect(problemsOf({ ...MINIMAL, applications: [app("sample-dev", { interval: 5 })] })).toEqual([
      "k8s-flux:applications[0].interval: 5 is a number without a unit; expected a duration such as 1m, 90s or 1h30m (units ms, s, m, h)",
    ]);
  });

  it("an unknown identity mode", () => {
    expect(
      problemsOf({ ...MINIMAL, externalDns: { identity: "kiam", hostedZoneIds: [ZONE] } }),
    ).toEqual([
      'k8s-flux:externalDns.identity: "kiam" is not an identity mode; expected one of irsa, pod-identity, kube2iam',
    ]);
  });

  it("kube2iam without nodeRoleArn", () => {
    expect(
      problemsOf(
        { ...MINIMAL, externalDns: { identity: "kube2iam", hostedZoneIds: [ZONE] } },
        { awsRegion: "eu-west-1" },
      ),
    ).toEqual([
      "k8s-flux:externalDns.nodeRoleArn: is required when k8s-flux:externalDns.identity is kube2iam; expected the ARN of the role kube2iam runs as on the nodes, such as arn:aws:iam::123456789012:role/eks-nodes",
    ]);
  });

  it("a nodeRoleArn or oidcProviderArn the identity mode does not use", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        externalDns: {
          identity: "pod-identity",
          hostedZoneIds: [ZONE],
          nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
          oidcProviderArn:
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
        },
      }),
    ).toEqual([
      "k8s-flux:externalDns.nodeRoleArn: is only used with identity kube2iam, but identity is pod-identity; remove it or set k8s-flux:externalDns.identity to kube2iam",
      "k8s-flux:externalDns.oidcProviderArn: is only used with identity irsa, but identity is pod-identity; remove it or set k8s-flux:externalDns.identity to irsa",
    ]);
  });

  it("New Relic enabled, by default or explicitly, without a license key", () => {
    const { newrelic: _default, ...values } = MINIMAL;
    void _default;
    expect(problemsOf(values, { licenseKeyIsSet: false })).toEqual([LICENSE_REQUIRED]);
    expect(
      problemsOf({ ...MINIMAL, newrelic: { enabled: true } }, { licenseKeyIsSet: false }),
    ).toEqual([LICENSE_REQUIRED]);
  });

  it("a repository on GitHub without a GitHub token", () => {
    expect(
      problemsOf(
        { ...MINIMAL, applications: [app("payments"), app("reporting")] },
        { githubTokenIsSet: false },
      ),
    ).toEqual([
      'github:token: is required to register deploy keys on acme/k8s-flux, acme/payments-flux, acme/reporting-flux; expected a token with the repositories\' Administration permission (read and write), set with "pulumi config set --secret github:token <token>" or exported as GITHUB_TOKEN',
    ]);
  });

  it("a repository on a host with no known SSH host key", () => {
    expect(
      problemsOf({ ...MINIMAL, systemFlux: { repository: "git@gitlab.com:acme/k8s-flux.git" } }),
    ).toEqual([
      'k8s-flux:systemFlux.repository: no SSH host key is known for gitlab.com; expected an entry for it in k8s-flux:knownHosts, such as gitlab.com: "<output of ssh-keyscan gitlab.com, checked out of band>"',
    ]);
  });

  it("an unknown top-level key and a typo in a nested key", () => {
    expect(problemsOf({ ...MINIMAL, newRelic: { enabled: false } })).toEqual([
      `k8s-flux:newRelic: unknown setting (did you mean "newrelic"?); expected one of ${TOP_LEVEL_KEYS}`,
    ]);
    expect(problemsOf({ ...MINIMAL, flux: {} })).toEqual([
      `k8s-flux:flux: unknown setting; expected one of ${TOP_LEVEL_KEYS}`,
    ]);
    expect(
      problemsOf({ ...MINIMAL, applications: [app("sample-dev", { intervall: "1m" })] }),
    ).toEqual([
      'k8s-flux:applications[0].intervall: unknown setting (did you mean "interval"?); expected one of name, repository, branch, path, interval, podSecurity, keyGeneration, nextKeyGeneration, resourceQuota, limitRange, networkPolicy, dnsDomains',
    ]);
    expect(
      problemsOf({ ...MINIMAL, externalDns: { hostedZoneIds: [ZONE], zoneIds: ["Z1"] } }),
    ).toEqual([
      "k8s-flux:externalDns.zoneIds: unknown setting; expected one of enabled, domainFilters, hostedZoneIds, allZones, policy, identity, eksClusterName, oidcProviderArn, nodeRoleArn, roleArn, allowCrossAccountRole, annotationPrefix, legacyAnnotations",
    ]);
  });

  it("a section of the wrong type", () => {
    expect(problemsOf({ ...MINIMAL, applications: { name: "sample-dev" } })).toEqual([
      'k8s-flux:applications: expected a list, got object {"name":"sample-dev"}',
    ]);
    expect(problemsOf({ ...MINIMAL, newrelic: false })).toEqual([
      "k8s-flux:newrelic: expected an object, got boolean false",
    ]);
  });

  it("other malformed values, each naming its key", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: {
          repository: "git@github.com:acme/k8s-flux.git",
          branch: "feature..x",
          path: "../other",
        },
        externalDns: {
          domainFilters: ["Example Com"],
          hostedZoneIds: ["z-lower"],
          policy: "delete",
        },
        knownHosts: { "git.example.org": "not a host key" },
      }),
    ).toEqual([
      'k8s-flux:externalDns.domainFilters[0]: "Example Com" is not a DNS domain name; expected a domain such as dev.example.com',
      'k8s-flux:externalDns.hostedZoneIds[0]: "z-lower" is not a Route53 hosted zone id; expected letters and digits such as Z0123456789ABCDEFGHIJ',
      'k8s-flux:externalDns.policy: "delete" is not a policy; expected one of upsert-only, sync',
      'k8s-flux:systemFlux.branch: "feature..x" is not a valid Git branch name; expected a branch such as main or release/1.2',
      'k8s-flux:systemFlux.path: "../other" is not a path inside the repository; expected a relative path without "..", such as clusters/dev',
      'k8s-flux:knownHosts["git.example.org"]: has a line that is not "<host> <key-type> <base64-key>": "not a host key"; expected known_hosts lines "<host> <key-type> <base64-key>" as printed by ssh-keyscan, checked out of band',
    ]);
  });
});

describe("an application's Pod Security level", () => {
  it("is baseline by default, and restricted when asked", () => {
    const settings = validate({
      ...MINIMAL,
      applications: [app("storefront"), app("payments", { podSecurity: "restricted" })],
    });
    expect(settings.applications.map((a) => [a.name, a.podSecurity])).toEqual([
      ["storefront", "baseline"],
      ["payments", "restricted"],
    ]);
    expect(
      validate({ ...MINIMAL, applications: [app("storefront", { podSecurity: "baseline" })] })
        .applications[0]?.podSecurity,
    ).toBe("baseline");
  });

  it("refuses privileged, which would let the tenant take over nodes", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [app("storefront", { podSecurity: "privileged" })],
      }),
    ).toEqual([
      'k8s-flux:applications[0].podSecurity: "privileged" is not allowed; expected baseline or restricted (privileged would let the tenant take over nodes)',
    ]);
  });

  it("refuses anything else, naming the two levels", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        applications: [
          app("storefront", { podSecurity: "strict" }),
          app("payments", { podSecurity: "Restricted" }),
          app("reporting", { podSecurity: 1 }),
        ],
      }),
    ).toEqual([
      'k8s-flux:applications[0].podSecurity: "strict" is not a Pod Security level; expected baseline or restricted',
      'k8s-flux:applications[1].podSecurity: "Restricted" is not a Pod Security level; expected baseline or restricted',
      "k8s-flux:applications[2].podSecurity: 1 is not a Pod Security level; expected baseline or restricted",
    ]);
  });
});

describe("intervals, in the units Flux's CRDs accept", () => {
  it.each(["1h30m", "1.5h", "10s", "10000ms", "90s", "2m", "2562047h"])(
    "accepts %s",
    (interval) => {
      expect(
        validate({ ...MINIMAL, applications: [app("sample-dev", { interval })] }).applications[0]
          ?.interval,
      ).toBe(interval);
    },
  );

  it.each(["500us", "500µs", "100ns", "1d"])(
    "rejects %s, a unit Flux does not accept",
    (interval) => {
      expect(problemsOf({ ...MINIMAL, applications: [app("sample-dev", { interval })] })).toEqual([
        `k8s-flux:applications[0].interval: ${NOT_DURATION(interval)}`,
      ]);
    },
  );
});

describe("known_hosts lines for the host and port ssh looks up", () => {
  const HOST = "git.example.org";
  const KEY = TEST_HOST_KEYS.ed25519;
  const ON_2222 = `ssh://git@${HOST}:2222/platform/flux.git`;
  const ON_22 = `ssh://git@${HOST}/platform/flux.git`;
  /** A hashed host field, as `ssh-keyscan -H` writes it. */
  const hashed = (name: string): string => {
    const salt = Buffer.from("0123456789abcdefghij");
    const hash = createHmac("sha1", salt).update(name).digest("base64");
    return `|1|${salt.toString("base64")}|${hash}`;
  };
  const withHostKeys = (repository: string, lines: string) => ({
    ...MINIMAL,
    systemFlux: { repository },
    knownHosts: { [HOST]: lines },
  });
  const NO_LINE_FOR_2222 = `k8s-flux:systemFlux.repository: k8s-flux:knownHosts["${HOST}"] has no line for [${HOST}]:2222, the host field ssh looks up for port 2222; expected a line whose host field is or lists [${HOST}]:2222, as printed by "ssh-keyscan -p 2222 ${HOST}", checked out of band`;
  const NO_LINE_FOR_22 = `k8s-flux:systemFlux.repository: k8s-flux:knownHosts["${HOST}"] has no line for ${HOST}, the host field ssh looks up for port 22; expected a line whose host field is or lists ${HOST}, as printed by "ssh-keyscan ${HOST}", checked out of band`;

  it.each([
    ["[host]:port", `[${HOST}]:2222 ${KEY}`],
    ["[host]:port in a list", `${HOST},[${HOST}]:2222,203.0.113.7 ${KEY}`],
    ["a wildcard with the port", `[*.example.org]:2222 ${KEY}`],
    ["a hashed [host]:port", `${hashed(`[${HOST}]:2222`)} ${KEY}`],
    ["a cert-authority line", `@cert-authority [${HOST}]:2222 ${KEY}`],
  ])("accepts a non-default port with %s", (_, lines) => {
    expect(validate(withHostKeys(ON_2222, lines)).systemFlux.repository.port).toBe(2222);
  });

  it.each([
    ["the bare host", `${HOST} ${KEY}`],
    ["the host on another port", `[${HOST}]:2200 ${KEY}`],
    ["a hashed bare host", `${hashed(HOST)} ${KEY}`],
    ["a wildcard without the port", `*.example.org ${KEY}`],
    ["only a revoked key", `@revoked [${HOST}]:2222 ${KEY}`],
  ])("rejects a non-default port with %s", (_, lines) => {
    expect(problemsOf(withHostKeys(ON_2222, lines))).toEqual([NO_LINE_FOR_2222]);
  });

  it.each([
    ["the bare host", ON_22, `${HOST} ${KEY}`],
    ["the bare host in a list", ON_22, `203.0.113.7,${HOST} ${KEY}`],
    ["a hashed bare host", ON_22, `${hashed(HOST)} ${KEY}`],
    [
      "the bare host, port 22 written out",
      `ssh://git@${HOST}:22/platform/flux.git`,
      `${HOST} ${KEY}`,
    ],
  ])("accepts the default port with %s", (_, repository, lines) => {
    expect(validate(withHostKeys(repository, lines)).systemFlux.repository.port).toBeUndefined();
  });

  it.each([
    ["only [host]:port", `[${HOST}]:2222 ${KEY}`],
    ["another host", `gitlab.example.org ${KEY}`],
    ["a wildcard the host is negated from", `!${HOST},*.example.org ${KEY}`],
  ])("rejects the default port with %s", (_, lines) => {
    expect(problemsOf(withHostKeys(ON_22, lines))).toEqual([NO_LINE_FOR_22]);
  });

  it("checks every repository on the host, each at its own key", () => {
    expect(
      problemsOf({
        ...withHostKeys(ON_22, `${HOST} ${KEY}`),
        applications: [
          app("payments", { repository: `ssh://git@${HOST}/finance/payments-flux.git` }),
          app("billing", { repository: `git@${HOST}:finance/billing-flux.git` }),
          app("reporting", { repository: `ssh://git@${HOST}:2222/finance/reporting-flux.git` }),
        ],
      }),
    ).toEqual([NO_LINE_FOR_2222.replace("systemFlux", "applications[2]")]);
  });

  it("names the built-in github.com keys when a GitHub URL uses another port", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        systemFlux: { repository: "ssh://git@github.com:443/acme/k8s-flux.git" },
      }),
    ).toEqual([
      'k8s-flux:systemFlux.repository: the built-in known_hosts for github.com has no line for [github.com]:443, the host field ssh looks up for port 443; expected a line whose host field is or lists [github.com]:443 in k8s-flux:knownHosts["github.com"], as printed by "ssh-keyscan -p 443 github.com", checked out of band',
    ]);
  });

  it("reports a malformed entry once, without the port check on top", () => {
    expect(problemsOf(withHostKeys(ON_2222, "not a host key"))).toEqual([
      `k8s-flux:knownHosts["${HOST}"]: has a line that is not "<host> <key-type> <base64-key>": "not a host key"; expected known_hosts lines "<host> <key-type> <base64-key>" as printed by ssh-keyscan, checked out of band`,
    ]);
  });
});

describe("a config with many problems", () => {
  const BROKEN: Record<string, unknown> = {
    clusterName: "dev-eks",
    externalDns: {
      identity: "kube2iam",
      domainFilters: ["dev.example.com"],
      hostedZoneIds: [ZONE],
    },
    systemFlux: { repository: "https://github.com/acme/k8s-flux", interval: "2 minutes" },
    applications: [
      app("sample-dev", { interval: "5x" }),
      app("Sample_Dev"),
      app("sample-dev", { repository: "not a repository" }),
    ],
    newrelic: { enabled: true },
    sealedSecret: { enabled: true },
  };
  const ALL_PROBLEMS = [
    "k8s-flux:externalDns.nodeRoleArn: is required when k8s-flux:externalDns.identity is kube2iam; expected the ARN of the role kube2iam runs as on the nodes, such as arn:aws:iam::123456789012:role/eks-nodes",
    `k8s-flux:systemFlux.repository: ${NOT_SSH("https://github.com/acme/k8s-flux")}`,
    `k8s-flux:systemFlux.interval: ${NOT_DURATION("2 minutes")}`,
    `k8s-flux:applications[0].interval: ${NOT_DURATION("5x")}`,
    'k8s-flux:applications[1].name: "Sample_Dev" is not a valid namespace name; expected lower-case letters, digits and "-", starting and ending with a letter or digit, such as sample-dev',
    `k8s-flux:applications[2].repository: ${NOT_SSH("not a repository")}`,
    'k8s-flux:applications[2].name: "sample-dev" is also the name of k8s-flux:applications[0]; expected unique application names',
    `k8s-flux:sealedSecret: unknown setting (did you mean "sealedSecrets"?); expected one of ${TOP_LEVEL_KEYS}`,
    'github:token: is required to register deploy keys on acme/sample-dev-flux, acme/Sample_Dev-flux; expected a token with the repositories\' Administration permission (read and write), set with "pulumi config set --secret github:token <token>" or exported as GITHUB_TOKEN',
    LICENSE_REQUIRED,
    'aws:region: is required when k8s-flux:externalDns.identity is kube2iam: kube2iam gives the pod no AWS region, and External DNS has no region flag; expected the cluster\'s region, set with "pulumi config set aws:region <region>"',
  ];

  it("reports every problem at once, also the cross-checks of settings that failed", () => {
    expect(problemsOf(BROKEN, { licenseKeyIsSet: false, githubTokenIsSet: false })).toEqual(
      ALL_PROBLEMS,
    );
  });

  it("lists them in one error, one line each", () => {
    let error: unknown;
    try {
      validate(BROKEN, { licenseKeyIsSet: false, githubTokenIsSet: false });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as Error).message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        ...ALL_PROBLEMS.map((p) => `  - ${p}`),
      ].join("\n"),
    );
  });
});

describe("settings set with --secret", () => {
  it("are refused, one problem each, and nothing else is said of them", () => {
    const problems = problemsOf(
      {
        ...MINIMAL,
        newrelic: FAKE_SECRET,
        systemFlux: {
          repository: `git@gitlab.com:${FAKE_SECRET}/flux.git`,
          branch: `${FAKE_SECRET}..x`,
          interval: FAKE_SECRET,
        },
        applications: [app("payments", { repository: `git@github.com:${FAKE_SECRET}.x/a.git` })],
        knownHosts: { "git.example.org": FAKE_SECRET },
        extra: FAKE_SECRET,
      },
      {
        secretKeys: ["newrelic", "systemFlux", "applications", "knownHosts", "extra"],
        githubTokenIsSet: false,
        licenseKeyIsSet: false,
      },
    );
    expect(problems).toEqual([
      STORED_AS_SECRET("newrelic"),
      STORED_AS_SECRET("systemFlux"),
      STORED_AS_SECRET("applications"),
      STORED_AS_SECRET("knownHosts"),
      `k8s-flux:extra: unknown setting; expected one of ${TOP_LEVEL_KEYS}`,
    ]);
    expect(problems.filter((p) => /SUPERSECRET|gitlab|payments/.test(p))).toEqual([]);
  });

  it("are refused even when their values are valid", () => {
    expect(
      problemsOf(
        { ...MINIMAL, applications: [app("payments")] },
        { secretKeys: ["clusterName", "applications"] },
      ),
    ).toEqual([STORED_AS_SECRET("clusterName"), STORED_AS_SECRET("applications")]);
  });

  it("are left out of the checks across settings, which still run on the rest", () => {
    expect(
      problemsOf(
        {
          ...MINIMAL,
          clusterName: "dev.eks",
          systemFlux: { repository: "git@gitlab.com:acme/flux.git" },
          applications: [app("payments")],
          newrelic: { enabled: true },
        },
        { secretKeys: ["clusterName", "applications"], githubTokenIsSet: false },
      ),
    ).toEqual([
      STORED_AS_SECRET("clusterName"),
      STORED_AS_SECRET("applications"),
      `k8s-flux:systemFlux.repository: no SSH host key is known for gitlab.com; expected an entry for it in k8s-flux:knownHosts, such as gitlab.com: "<output of ssh-keyscan gitlab.com, checked out of band>"`,
    ]);
    expect(
      problemsOf(
        {
          ...MINIMAL,
          systemFlux: { repository: "git@gitlab.com:acme/flux.git" },
          knownHosts: { "git.example.org": `git.example.org ${TEST_HOST_KEYS.ed25519}` },
        },
        { secretKeys: ["knownHosts"] },
      ),
    ).toEqual([STORED_AS_SECRET("knownHosts")]);
  });

  it("do not include the license key, which must be one", () => {
    expect(
      validate(MINIMAL, { secretKeys: ["newrelicLicenseKey"], licenseKeyIsSecret: true }).newRelic,
    ).toEqual({ enabled: false });
  });
});

describe("a license key written in plaintext", () => {
  it("is rejected, whether New Relic is on or off, without quoting it", () => {
    expect(problemsOf(MINIMAL, { licenseKeyIsSecret: false })).toEqual([LICENSE_IN_PLAINTEXT]);
    expect(
      problemsOf({ ...MINIMAL, newrelic: { enabled: true } }, { licenseKeyIsSecret: false }),
    ).toEqual([LICENSE_IN_PLAINTEXT]);
  });

  it("is not checked when the SDK cannot tell, nor when no key is set", () => {
    expect(validate(MINIMAL, { licenseKeyIsSecret: undefined }).newRelic).toEqual({
      enabled: false,
    });
    expect(
      validate(MINIMAL, { licenseKeyIsSet: false, licenseKeyIsSecret: false }).newRelic,
    ).toEqual({ enabled: false });
  });
});

describe("a GitHub token written in plaintext", () => {
  it("is rejected, whether or not a repository is on GitHub, without quoting it", () => {
    expect(problemsOf(MINIMAL, { githubTokenIsSecret: false })).toEqual([TOKEN_IN_PLAINTEXT]);
    expect(
      problemsOf(
        {
          ...MINIMAL,
          systemFlux: { repository: "git@git.example.org:platform/flux.git" },
          knownHosts: { "git.example.org": `git.example.org ${TEST_HOST_KEYS.ed25519}` },
        },
        { githubTokenIsSecret: false },
      ),
    ).toEqual([TOKEN_IN_PLAINTEXT]);
  });

  it("is not checked when the SDK cannot tell, nor when the token is stored as a secret", () => {
    expect(validate(MINIMAL, { githubTokenIsSecret: undefined }).clusterName).toBe("dev-eks");
    expect(validate(MINIMAL, { githubTokenIsSecret: true }).clusterName).toBe("dev-eks");
  });
});

describe("settings set without --path", () => {
  it("names the section they belong in and the command that puts them there", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        "externalDns.enabled": false,
        "applications[0].name": "sample-dev",
      }),
    ).toEqual([
      'k8s-flux:externalDns.enabled: was set as a key of its own; expected it inside k8s-flux:externalDns, so remove it with "pulumi config rm k8s-flux:externalDns.enabled" and set it again with "pulumi config set --path k8s-flux:externalDns.enabled <value>"',
      `k8s-flux:applications[0].name: was set as a key of its own; expected it inside k8s-flux:applications, so remove it with "pulumi config rm 'k8s-flux:applications[0].name'" and set it again with "pulumi config set --path 'k8s-flux:applications[0].name' <value>"`,
    ]);
  });

  it("splits a flat key at its first dot only, so a host name stays one key", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        "knownHosts.git.example.org": `git.example.org ${TEST_HOST_KEYS.ed25519}`,
      }),
    ).toEqual([
      `k8s-flux:knownHosts.git.example.org: was set as a key of its own; expected it inside k8s-flux:knownHosts, so remove it with "pulumi config rm k8s-flux:knownHosts.git.example.org" and set it again with "pulumi config set --path 'k8s-flux:knownHosts["git.example.org"]' <value>"`,
    ]);
  });

  it("is named as set in the wrong place, and nothing more, when set with --secret", () => {
    expect(
      problemsOf(
        { ...MINIMAL, "externalDns.enabled": false },
        { secretKeys: ["externalDns.enabled"] },
      ),
    ).toEqual([
      'k8s-flux:externalDns.enabled: was set as a key of its own; expected it inside k8s-flux:externalDns, so remove it with "pulumi config rm k8s-flux:externalDns.enabled" and set it again with "pulumi config set --path k8s-flux:externalDns.enabled <value>"',
    ]);
  });

  it("is an unknown setting when the first part is no section", () => {
    expect(problemsOf({ ...MINIMAL, "flux.enabled": true, "clusterName.x": "a" })).toEqual([
      `k8s-flux:flux.enabled: unknown setting; expected one of ${TOP_LEVEL_KEYS}`,
      `k8s-flux:clusterName.x: unknown setting (did you mean "clusterName"?); expected one of ${TOP_LEVEL_KEYS}`,
    ]);
  });
});

describe("keys YAML leaves empty (null)", () => {
  it("count as not set: optional settings take their defaults", () => {
    const settings = validate({
      ...MINIMAL,
      externalDns: {
        domainFilters: null,
        hostedZoneIds: null,
        allZones: true,
        policy: null,
        identity: null,
      },
      systemFlux: { repository: "git@github.com:acme/k8s-flux.git", branch: null, path: null },
      applications: [app("sample-dev", { interval: null, podSecurity: null })],
      sealedSecrets: null,
      knownHosts: null,
    });
    expect(settings.externalDns).toEqual({
      domainFilters: [],
      hostedZoneIds: [],
      allZones: true,
      policy: "upsert-only",
      identity: { mode: "irsa", eksClusterName: "dev-eks" },
      legacyAnnotations: false,
    });
    expect(settings.systemFlux).toMatchObject({ branch: "main", path: "./" });
    expect(settings.applications[0]).toMatchObject({ interval: "1m", podSecurity: "baseline" });
    expect(settings.sealedSecrets).toEqual({
      enabled: true,
      keys: ["sealed-secrets-key"],
      allowKeyRemoval: false,
    });
    expect(settings.knownHosts).toEqual(BUILT_IN_KNOWN_HOSTS);
  });

  it("count as missing where a value is required; a null list entry is still reported", () => {
    expect(problemsOf({ ...MINIMAL, clusterName: null, systemFlux: { repository: null } })).toEqual(
      [
        "k8s-flux:clusterName: is required; expected the cluster's name, such as dev-eks",
        "k8s-flux:systemFlux.repository: is required; expected an SSH repository URL such as git@github.com:owner/repo.git or ssh://git@github.com/owner/repo.git",
      ],
    );
    expect(
      problemsOf({
        ...MINIMAL,
        externalDns: { domainFilters: ["dev.example.com", null], hostedZoneIds: [ZONE] },
      }),
    ).toEqual(["k8s-flux:externalDns.domainFilters[1]: expected a string, got null"]);
  });
});

describe("branches", () => {
  const branchProblems = (branch: string) =>
    problemsOf({
      ...MINIMAL,
      systemFlux: { repository: "git@github.com:acme/k8s-flux.git", branch },
    });

  it.each(["refs/heads/main", "refs/tags/v1"])("rejects the full ref %j", (branch) => {
    expect(branchProblems(branch)).toEqual([
      `k8s-flux:systemFlux.branch: ${JSON.stringify(branch)} is a full ref; expected the branch name without refs/heads/, such as main`,
    ]);
  });

  it.each(["-main", "@", "HEAD", ".hidden", "release/.x", "x.lock/y", "a.lock", "a@{1}", "a/"])(
    "rejects %j, which git refuses as a branch name",
    (branch) => {
      expect(branchProblems(branch)).toEqual([
        `k8s-flux:systemFlux.branch: ${JSON.stringify(branch)} is not a valid Git branch name; expected a branch such as main or release/1.2`,
      ]);
    },
  );

  it.each(["main", "release/1.2", "feature/x-y", "v1.0", "@foo", "heads/main", "user@host"])(
    "accepts %j",
    (branch) => {
      expect(
        validate({
          ...MINIMAL,
          systemFlux: { repository: "git@github.com:acme/k8s-flux.git", branch },
        }).systemFlux.branch,
      ).toBe(branch);
    },
  );
});

describe("knownHosts keys", () => {
  const KEY_LINE = TEST_HOST_KEYS.ed25519;

  it("must be bare host names", () => {
    expect(
      problemsOf({
        ...MINIMAL,
        knownHosts: {
          "[gitlab.com]:2222": `[gitlab.com]:2222 ${KEY_LINE}`,
          "gitlab.com:2222": `[gitlab.com]:2222 ${KEY_LINE}`,
          "git.example.org": `git.example.org ${KEY_LINE}`,
        },
      }),
    ).toEqual([
      'k8s-flux:knownHosts["[gitlab.com]:2222"]: is not a host name; expected the bare host, such as gitlab.com (write [host]:port in the lines themselves)',
      'k8s-flux:knownHosts["gitlab.com:2222"]: is not a host name; expected the bare host, such as gitlab.com (write [host]:port in the lines themselves)',
    ]);
  });

  it("are lower-cased, so a host written in capitals still matches", () => {
    const settings = validate({
      ...MINIMAL,
      systemFlux: { repository: "ssh://git@gitlab.com:2222/acme/flux.git" },
      knownHosts: { "GitLab.com": `[gitlab.com]:2222 ${KEY_LINE}` },
    });
    expect(settings.knownHosts["gitlab.com"]).toBe(`[gitlab.com]:2222 ${KEY_LINE}`);
  });
});

describe("External DNS names and zones", () => {
  it("lower-cases domain names, which DNS compares without case", () => {
    expect(
      validate({
        ...MINIMAL,
        externalDns: {
          domainFilters: ["Dev.Example.com", "API.example.com."],
          hostedZoneIds: [ZONE],
        },
      }).externalDns?.domainFilters,
    ).toEqual(["dev.example.com", "api.example.com."]);
  });

  it("upper-cases hosted zone ids, then drops duplicates", () => {
    expect(
      validate({
        ...MINIMAL,
        externalDns: {
          hostedZoneIds: ["z0production0example1", "/hostedzone/Z0PRODUCTION0EXAMPLE1"],
        },
      }).externalDns?.hostedZoneIds,
    ).toEqual(["Z0PRODUCTION0EXAMPLE1"]);
  });
});

describe("the EKS cluster name", () => {
  const DEFAULT_NOT_EKS =
    'k8s-flux:externalDns.eksClusterName: is required because k8s-flux:clusterName "dev.eks" is not a valid EKS cluster name; expected the name shown by "aws eks list-clusters"';
  const DOTTED = { ...MINIMAL, clusterName: "dev.eks" };

  it.each([
    ["irsa, by default", {}],
    ["pod-identity", { identity: "pod-identity" }],
  ])("is required with %s when clusterName has a dot", (_, externalDns) => {
    expect(
      problemsOf({ ...DOTTED, externalDns: { ...externalDns, hostedZoneIds: [ZONE] } }),
    ).toEqual([DEFAULT_NOT_EKS]);
  });

  it("is not needed when External DNS does not use it", () => {
    const oidcProviderArn =
      "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";
    expect(
      validate({ ...DOTTED, externalDns: { oidcProviderArn, hostedZoneIds: [ZONE] } }).clusterName,
    ).toBe("dev.eks");
    expect(
      validate(
        {
          ...DOTTED,
          externalDns: {
            identity: "kube2iam",
            nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
            hostedZoneIds: [ZONE],
          },
        },
        { awsRegion: "eu-west-1" },
      ).clusterName,
    ).toBe("dev.eks");
    expect(validate({ ...DOTTED, externalDns: { enabled: false } }).externalDns).toBeUndefined();
  });

  it("is taken when given, and must then be an EKS name itself", () => {
    expect(
      validate({ ...DOTTED, externalDns: { eksClusterName: "dev-eks", hostedZoneIds: [ZONE] } })
        .externalDns?.identity,
    ).toEqual({ mode: "irsa", eksClusterName: "dev-eks" });
    expect(
      problemsOf({ ...MINIMAL, externalDns: { eksClusterName: "dev.eks", hostedZoneIds: [ZONE] } }),
    ).toEqual([
      'k8s-flux:externalDns.eksClusterName: "dev.eks" is not an EKS cluster name; expected the name shown by "aws eks list-clusters", such as dev-eks',
    ]);
  });

  it("is not worked out from a clusterName set with --secret, which is refused alone", () => {
    expect(problemsOf(DOTTED, { secretKeys: ["clusterName"] })).toEqual([
      STORED_AS_SECRET("clusterName"),
    ]);
  });
});

/** Secret keys as the SDK would report them, for readRawStackConfig. */
const secretsAre =
  (...keys: string[]) =>
  (fullKey: string): boolean =>
    keys.includes(fullKey);

describe("readRawStackConfig", () => {
  it("reads k8s-flux keys, parses structured values, and only notes the secrets", () => {
    const raw = readRawStackConfig(
      {
        "aws:region": "eu-west-1",
        "k8s-flux:clusterName": "dev-eks",
        "k8s-flux:applications": '[{"name":"sample-dev"}]',
        "k8s-flux:newrelic": '{"enabled":false}',
        "k8s-flux:newrelicLicenseKey": TEST_LICENSE_KEY,
        "github:token": TEST_GITHUB_TOKEN,
      },
      true,
      secretsAre("k8s-flux:newrelicLicenseKey", "k8s-flux:newrelic", "github:token"),
    );
    expect(raw).toStrictEqual({
      values: {
        clusterName: "dev-eks",
        applications: [{ name: "sample-dev" }],
        newrelic: { enabled: false },
      },
      licenseKeyIsSet: true,
      licenseKeyIsSecret: true,
      secretKeys: ["newrelic"],
      githubTokenIsSet: true,
      githubTokenIsSecret: true,
      awsRegion: "eu-west-1",
    });
  });

  it("notes a license key written in plaintext, and nothing when the SDK cannot tell", () => {
    const config = { "k8s-flux:newrelicLicenseKey": TEST_LICENSE_KEY };
    expect(readRawStackConfig(config, true, secretsAre()).licenseKeyIsSecret).toBe(false);
    const unknown = readRawStackConfig(config, true, () => undefined);
    expect(unknown.licenseKeyIsSecret).toBeUndefined();
    expect(unknown.secretKeys).toEqual([]);
    expect(readRawStackConfig({}, true, secretsAre()).licenseKeyIsSecret).toBeUndefined();
  });

  it("treats an empty or blank value, a YAML section left empty, as not set", () => {
    const raw = readRawStackConfig(
      {
        "k8s-flux:clusterName": "dev-eks",
        "k8s-flux:systemFlux": "",
        "k8s-flux:applications": "",
        "k8s-flux:externalDns": "  \n",
        "k8s-flux:newrelic": '{"enabled":false}',
      },
      true,
      secretsAre("k8s-flux:applications"),
    );
    expect(raw.secretKeys).toEqual([]);
    expect(raw.values).toEqual({ clusterName: "dev-eks", newrelic: { enabled: false } });
    expect(problemsOf({ ...raw.values, externalDns: { hostedZoneIds: [ZONE] } })).toEqual([
      "k8s-flux:systemFlux: is required; expected an object with at least a repository",
    ]);
    const settings = validate({
      ...readRawStackConfig(
        { "k8s-flux:applications": "", "k8s-flux:externalDns": " " },
        true,
        secretsAre(),
      ).values,
      ...MINIMAL,
    });
    expect(settings.applications).toEqual([]);
    expect(settings.externalDns?.domainFilters).toEqual([]);
  });

  it("takes whether a GitHub token is set from its caller", () => {
    const config = { "k8s-flux:clusterName": "dev-eks", "github:token": TEST_GITHUB_TOKEN };
    expect(readRawStackConfig(config, true, secretsAre("github:token")).githubTokenIsSet).toBe(
      true,
    );
    expect(readRawStackConfig(config, false, secretsAre("github:token")).githubTokenIsSet).toBe(
      false,
    );
    expect(
      readRawStackConfig({ ...config, "k8s-flux:newrelicLicenseKey": "" }, true, secretsAre())
        .licenseKeyIsSet,
    ).toBe(false);
  });

  it("notes a github:token written in plaintext, and nothing when none is set", () => {
    const config = { "github:token": TEST_GITHUB_TOKEN };
    expect(readRawStackConfig(config, true, secretsAre()).githubTokenIsSecret).toBe(false);
    expect(readRawStackConfig(config, true, () => undefined).githubTokenIsSecret).toBeUndefined();
    expect(readRawStackConfig({ "github:token": " " }, true, secretsAre())).not.toHaveProperty(
      "githubTokenIsSecret",
    );
    expect(readRawStackConfig({}, true, secretsAre())).not.toHaveProperty("githubTokenIsSecret");
  });

  it("keeps text that is not valid JSON as text, for the validator to report", () => {
    const raw = readRawStackConfig({ "k8s-flux:systemFlux": "{repository: x" }, true);
    expect(raw.values).toEqual({ systemFlux: "{repository: x" });
    expect(
      problemsOf({ ...raw.values, clusterName: "dev-eks", externalDns: { hostedZoneIds: [ZONE] } }),
    ).toEqual(['k8s-flux:systemFlux: expected an object, got string "{repository: x"']);
  });
});

describe("loadStackConfig", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("returns the dev stack's settings, with the secrets as Pulumi secrets", async () => {
    await startMockRun(
      "dev",
      {
        ...stackFileConfig("dev"),
        "k8s-flux:newrelic": '{"enabled":true}',
        "k8s-flux:newrelicLicenseKey": TEST_LICENSE_KEY,
        "github:token": TEST_GITHUB_TOKEN,
      },
      ["k8s-flux:newrelicLicenseKey", "github:token"],
    );
    const { loadStackConfig } = await import("../stacks/loadConfig");
    const config = loadStackConfig();
    expect(config.systemFlux).toEqual({
      repository: SYSTEM_REPOSITORY,
      branch: "master",
      path: "./system",
      interval: "2m",
      imageAutomation: false,
      keyGeneration: 1,
      installOperator: true,
      operatorWebUi: false,
    });
    expect(config.applications.map((a) => [a.name, a.repository.sshUrl, a.path])).toEqual([
      ["sample-dev", "ssh://git@github.com/acme/test-app-flux-repo.git", "./dev-app"],
    ]);
    const { newRelicLicenseKey, githubToken } = config;
    if (newRelicLicenseKey === undefined || githubToken === undefined) {
      throw new Error("expected both secrets");
    }
    expect(await valueOf(newRelicLicenseKey)).toBe(TEST_LICENSE_KEY);
    expect(await pulumi.isSecret(newRelicLicenseKey)).toBe(true);
    expect(await valueOf(githubToken)).toBe(TEST_GITHUB_TOKEN);
    expect(await pulumi.isSecret(githubToken)).toBe(true);
  });

  it("accepts GITHUB_TOKEN instead of github:token, and hands it on as a secret", async () => {
    vi.stubEnv("GITHUB_TOKEN", TEST_GITHUB_TOKEN);
    await startMockRun("dev", stackFileConfig("dev"));
    const { loadStackConfig } = await import("../stacks/loadConfig");
    const config = loadStackConfig();
    const { githubToken } = config;
    if (githubToken === undefined) throw new Error("expected the token from GITHUB_TOKEN");
    expect(await valueOf(githubToken)).toBe(TEST_GITHUB_TOKEN);
    expect(await pulumi.isSecret(githubToken)).toBe(true);
    expect(config.newRelicLicenseKey).toBeUndefined();
  });

  it("prefers github:token to GITHUB_TOKEN, and ignores a blank github:token", async () => {
    vi.stubEnv("GITHUB_TOKEN", TEST_GITHUB_TOKEN_FROM_ENV);
    await startMockRun("dev", { ...stackFileConfig("dev"), "github:token": TEST_GITHUB_TOKEN }, [
      "github:token",
    ]);
    const { loadStackConfig } = await import("../stacks/loadConfig");
    const fromConfig = loadStackConfig().githubToken;
    if (fromConfig === undefined) throw new Error("expected github:token");
    expect(await valueOf(fromConfig)).toBe(TEST_GITHUB_TOKEN);

    await startMockRun("dev", { ...stackFileConfig("dev"), "github:token": " " }, ["github:token"]);
    const fromEnvironment = loadStackConfig().githubToken;
    if (fromEnvironment === undefined) throw new Error("expected GITHUB_TOKEN");
    expect(await valueOf(fromEnvironment)).toBe(TEST_GITHUB_TOKEN_FROM_ENV);
    expect(await pulumi.isSecret(fromEnvironment)).toBe(true);
  });

  it("has no GitHub token when neither is set and no repository is on GitHub", async () => {
    vi.stubEnv("GITHUB_TOKEN", " ");
    await startMockRun("dev", {
      "k8s-flux:clusterName": "dev-eks",
      "k8s-flux:newrelic": '{"enabled":false}',
      "k8s-flux:externalDns": JSON.stringify({ hostedZoneIds: [ZONE] }),
      "k8s-flux:systemFlux": JSON.stringify({
        repository: "git@git.example.org:platform/flux.git",
      }),
      "k8s-flux:knownHosts": JSON.stringify({
        "git.example.org": `git.example.org ${TEST_HOST_KEYS.ed25519}`,
      }),
    });
    const { loadStackConfig } = await import("../stacks/loadConfig");
    expect(loadStackConfig().githubToken).toBeUndefined();
  });

  it("rejects a github:token set in plaintext, even with GITHUB_TOKEN set, without quoting it", async () => {
    vi.stubEnv("GITHUB_TOKEN", TEST_GITHUB_TOKEN_FROM_ENV);
    await startMockRun("dev", { ...stackFileConfig("dev"), "github:token": TEST_GITHUB_TOKEN });
    const { loadStackConfig } = await import("../stacks/loadConfig");
    const message = await thrownMessage(() => loadStackConfig());
    expect(message).toBe(
      ["Invalid stack configuration (nothing was changed):", `  - ${TOKEN_IN_PLAINTEXT}`].join(
        "\n",
      ),
    );
    expect(message).not.toContain(TEST_GITHUB_TOKEN);
  });

  it("has no GitHub token when both github:token and GITHUB_TOKEN are blank", async () => {
    vi.stubEnv("GITHUB_TOKEN", " ");
    await startMockRun("dev", { ...stackFileConfig("dev"), "github:token": " " }, ["github:token"]);
    const { loadStackConfig } = await import("../stacks/loadConfig");
    expect(() => loadStackConfig()).toThrow(
      'github:token: is required to register deploy keys on acme/k8s-flux, acme/test-app-flux-repo; expected a token with the repositories\' Administration permission (read and write), set with "pulumi config set --secret github:token <token>" or exported as GITHUB_TOKEN',
    );
  });

  it("rejects a license key set in plaintext, and takes one set with --secret", async () => {
    vi.stubEnv("GITHUB_TOKEN", TEST_GITHUB_TOKEN);
    const config = {
      ...stackFileConfig("dev"),
      "k8s-flux:newrelic": '{"enabled":true}',
      "k8s-flux:newrelicLicenseKey": TEST_LICENSE_KEY,
    };
    await startMockRun("dev", config);
    const { loadStackConfig, configKeyIsSecret } = await import("../stacks/loadConfig");
    expect(configKeyIsSecret("k8s-flux:newrelicLicenseKey")).toBe(false);
    const message = await thrownMessage(() => loadStackConfig());
    expect(message).toBe(
      ["Invalid stack configuration (nothing was changed):", `  - ${LICENSE_IN_PLAINTEXT}`].join(
        "\n",
      ),
    );
    expect(message).not.toContain(TEST_LICENSE_KEY);

    await startMockRun("dev", config, ["k8s-flux:newrelicLicenseKey"]);
    expect(configKeyIsSecret("k8s-flux:newrelicLicenseKey")).toBe(true);
    const { newRelicLicenseKey } = loadStackConfig();
    if (newRelicLicenseKey === undefined) throw new Error("expected the license key");
    expect(await valueOf(newRelicLicenseKey)).toBe(TEST_LICENSE_KEY);
  });

  it("refuses a setting stored with --secret, such as a license under the wrong key, without quoting it", async () => {
    vi.stubEnv("GITHUB_TOKEN", TEST_GITHUB_TOKEN);
    await startMockRun("dev", { ...stackFileConfig("dev"), "k8s-flux:newrelic": FAKE_SECRET }, [
      "k8s-flux:newrelic",
    ]);
    const { loadStackConfig } = await import("../stacks/loadConfig");
    const message = await thrownMessage(() => loadStackConfig());
    expect(message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        `  - ${STORED_AS_SECRET("newrelic")}`,
      ].join("\n"),
    );
    expect(message).not.toContain(FAKE_SECRET.slice(0, 8));
  });

  it("throws every problem as one StackConfigError", async () => {
    vi.stubEnv("GITHUB_TOKEN", "");
    await startMockRun("dev", { ...stackFileConfig("dev"), "k8s-flux:newrelic": "{}" });
    const { loadStackConfig } = await import("../stacks/loadConfig");
    let error: unknown;
    try {
      loadStackConfig();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems).toEqual([
      'github:token: is required to register deploy keys on acme/k8s-flux, acme/test-app-flux-repo; expected a token with the repositories\' Administration permission (read and write), set with "pulumi config set --secret github:token <token>" or exported as GITHUB_TOKEN',
      LICENSE_REQUIRED,
    ]);
  });
});

describe("the program on bad input", () => {
  it("throws before registering any resource", async () => {
    const run = await startMockRun(
      "broken",
      {
        ...stackFileConfig("dev"),
        "k8s-flux:externalDns": JSON.stringify({ identity: "kube2iam", hostedZoneIds: [ZONE] }),
        "k8s-flux:systemFlux": JSON.stringify({ repository: "https://github.com/acme/k8s-flux" }),
        "k8s-flux:applications": JSON.stringify([
          app("sample-dev", { interval: "every minute" }),
          app("sample-dev"),
        ]),
        "github:token": TEST_GITHUB_TOKEN,
      },
      ["github:token"],
    );
    const message = await thrownMessage(async () => {
      vi.resetModules();
      await runIndex();
    });
    await run.settle();
    expect(message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        "  - k8s-flux:externalDns.nodeRoleArn: is required when k8s-flux:externalDns.identity is kube2iam; expected the ARN of the role kube2iam runs as on the nodes, such as arn:aws:iam::123456789012:role/eks-nodes",
        `  - k8s-flux:systemFlux.repository: ${NOT_SSH("https://github.com/acme/k8s-flux")}`,
        `  - k8s-flux:applications[0].interval: ${NOT_DURATION("every minute")}`,
        '  - k8s-flux:applications[1].name: "sample-dev" is also the name of k8s-flux:applications[0]; expected unique application names',
        `  - k8s-flux:applications[1].repository: "git@github.com:acme/sample-dev-flux.git" is the same repository as k8s-flux:applications[0].repository; expected a repository of the application's own (whoever pushes to it would deploy into both applications' namespaces)`,
      ].join("\n"),
    );
    expect(run.resources).toEqual([]);
  });

  it("lists the hardening rules' problems together, as one RunError, and registers nothing", async () => {
    const line = "git.example.org ssh-ed25519 AAAA";
    const run = await startMockRun(
      "broken",
      {
        ...stackFileConfig("dev"),
        "k8s-flux:externalDns": JSON.stringify({
          domainFilters: ["*.dev.example.com"],
          hostedZoneIds: [ZONE],
        }),
        "k8s-flux:applications": JSON.stringify([
          app("kube"),
          app("cert-manager"),
          app("shop", { repository: "ssh://git@GitHub.com/acme/k8s-flux/" }),
          app("meta", { repository: "git@169.254.169.254:acme/meta.git", interval: "5s" }),
        ]),
        "k8s-flux:knownHosts": JSON.stringify({ "git.example.org": line }),
        "k8s-flux:__proto__": JSON.stringify({ enabled: true }),
        "github:token": TEST_GITHUB_TOKEN,
      },
      ["github:token"],
    );
    let error: unknown;
    try {
      await runIndex();
    } catch (caught) {
      error = caught;
    }
    await run.settle();
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message.split("\n")).toEqual([
      "Invalid stack configuration (nothing was changed):",
      `  - k8s-flux:__proto__: unknown setting; expected one of ${TOP_LEVEL_KEYS}`,
      '  - k8s-flux:externalDns.domainFilters[0]: "*.dev.example.com" is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as "dev.example.com", which also covers its subdomains',
      `  - k8s-flux:applications[0].name: ${TAKES("kube", "kube-flux", "in the kube-* range Kubernetes reserves for itself")}`,
      `  - k8s-flux:applications[1].name: ${TAKES("cert-manager", "cert-manager", "where cert-manager installs by default")}`,
      '  - k8s-flux:applications[3].repository: "git@169.254.169.254:acme/meta.git" has host "169.254.169.254", which is link-local (169.254.0.0/16), where the node\'s instance metadata and credential endpoints answer',
      '  - k8s-flux:applications[3].interval: "5s" is shorter than 10s, the shortest interval allowed; expected 10s or more, such as 1m',
      `  - k8s-flux:knownHosts["git.example.org"]: has a line whose key does not decode as its declared type ssh-ed25519 (its key is too short to be an SSH key): "${line}"; expected known_hosts lines "<host> <key-type> <base64-key>" as printed by ssh-keyscan, checked out of band`,
      "  - k8s-flux:applications[2].repository: \"ssh://git@GitHub.com/acme/k8s-flux/\" is the same repository as k8s-flux:systemFlux.repository; expected a repository of the application's own (the system repository is applied with cluster-admin rights, so whoever pushes to the application's repository would own the cluster)",
    ]);
    expect(run.resources).toEqual([]);
  });

  it("reports a sealing key the config drops through the same RunError", async () => {
    const run = await startMockRun(
      "dev",
      { ...stackFileConfig("dev"), "github:token": TEST_GITHUB_TOKEN },
      ["github:token"],
      { lastOutputs: { sealedSecretsKeys: { active: ["key-2026"], retiring: [] } } },
    );
    let error: unknown;
    try {
      await runIndex();
    } catch (caught) {
      error = caught;
    }
    await run.settle();
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      [
        "Invalid stack configuration (nothing was changed):",
        "  - k8s-flux:sealedSecrets.keys no longer lists key-2026, which this stack deployed; every SealedSecret sealed with key key-2026's certificate would stop decrypting. Expected key-2026 kept in the list; if those secrets are re-sealed with the newest key, set k8s-flux:sealedSecrets.allowKeyRemoval to true to remove it",
      ].join("\n"),
    );
    // The last deployment is read through a stack reference, which registers nothing.
    expect(run.resources).toEqual([]);
  });
});
