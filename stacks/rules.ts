/**
 * Rules across sections, and on what the stack holds besides its `k8s-flux:` values: its
 * secrets and the AWS account it deploys to. They run on whatever parsed, even when other
 * settings failed, so one run lists every problem: values here may still be raw input. Keys
 * stored as secrets are refused on their own, so no rule here reads them.
 */
import type { z } from "zod";
import type { GitRepositoryLocation } from "../components/shared/gitSource";
import {
  DEFAULT_KNOWN_HOSTS,
  knownHostsCover,
  knownHostsLookupName,
} from "../components/shared/knownHosts";
import { gitHubHttpsPortHint } from "../components/shared/repositoryUrl";
import { externalDnsArnProblems, regionProblem } from "./awsAccounts";
import { isRecord } from "./isRecord";
import { knownHostsProblem } from "./knownHostsText";
import type { IssueParams } from "./messages";
import { AWS_REGION_KEY, GITHUB_TOKEN_KEY, LICENSE_KEY } from "./names";
import { quoted, settingKey } from "./quoting";
import { CLUSTER_NAME, EKS_CLUSTER_NAME } from "./schema";
import type { RawStackConfig } from "./settings";

const isLocation = (value: unknown): value is GitRepositoryLocation =>
  isRecord(value) && typeof value["sshUrl"] === "string" && typeof value["host"] === "string";

/** The built-in known_hosts of a host, looked up as an own key (so `constructor` has none). */
const builtInKnownHosts = (host: string): string | undefined =>
  Object.hasOwn(DEFAULT_KNOWN_HOSTS, host) ? DEFAULT_KNOWN_HOSTS[host] : undefined;

/**
 * Why Flux could not check the repository's host key with the known_hosts it will get, or
 * undefined when it can. Malformed entries are reported by the schema, so they are skipped here.
 */
function hostKeyProblem(
  location: GitRepositoryLocation,
  overrides: ReadonlyMap<string, unknown>,
): string | undefined {
  const { host } = location;
  const key = settingKey(["knownHosts", host]);
  const override = overrides.get(host);
  const text = override ?? builtInKnownHosts(host);
  if (text === undefined) {
    return `no SSH host key is known for ${host}; expected an entry for it in ${settingKey(["knownHosts"])}, such as ${host}: "<output of ssh-keyscan ${host}, checked out of band>"${gitHubHttpsPortHint(location)}`;
  }
  if (typeof text !== "string" || knownHostsProblem(text) !== undefined) return undefined;
  if (knownHostsCover(text, location)) return undefined;
  const lookup = knownHostsLookupName(location);
  const port = location.port ?? 22;
  const keyscan = `ssh-keyscan ${location.port === undefined ? "" : `-p ${location.port} `}${host}`;
  const source = override === undefined ? `the built-in known_hosts for ${host}` : key;
  const where = override === undefined ? ` in ${key}` : "";
  return `${source} has no line for ${lookup}, the host field ssh looks up for port ${port}; expected a line whose host field is or lists ${lookup}${where}, as printed by "${keyscan}", checked out of band${gitHubHttpsPortHint(location)}`;
}

/**
 * What makes two URLs the same repository: host (in any case) and port, and the path without
 * ".git", trailing or doubled slashes and "." segments, in any case. The user and the spelling
 * (`git@host:path` or `ssh://git@host/path`) do not count: the parser gives both one form. A
 * GitHub repository is its owner and name, whichever of GitHub's SSH addresses reaches it.
 */
export function repositoryIdentity(location: GitRepositoryLocation): string {
  if (location.github !== undefined) {
    const name = location.github.name.replace(/(\.git)+$/i, "");
    return `github.com/${location.github.owner}/${name}`.toLowerCase();
  }
  const path = location.sshUrl.replace(/^ssh:\/\/[^/]*\//, "");
  const segments = path
    .replaceAll("%20", " ")
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".");
  const last = (segments.pop() ?? "").replace(/(\.git)+$/i, "");
  return `${location.host.toLowerCase()}:${location.port ?? 22}/${[...segments, last].join("/").toLowerCase()}`;
}

interface Repository {
  readonly path: PropertyKey[];
  readonly location: GitRepositoryLocation;
}

/**
 * A repository used twice: the system repository is applied with cluster-admin rights, so a
 * tenant that can push to it owns the cluster; and one tenant's repository shared with another
 * lets each deploy into the other's namespaces.
 */
function sharedRepositoryProblem(
  repository: Repository,
  earlier: Repository,
  isSystem: (candidate: Repository) => boolean,
): string {
  const url = quoted(repository.location.original);
  const other = settingKey(earlier.path);
  const why = isSystem(earlier)
    ? "the system repository is applied with cluster-admin rights, so whoever pushes to the application's repository would own the cluster"
    : "whoever pushes to it would deploy into both applications' namespaces";
  return `${url} is the same repository as ${other}; expected a repository of the application's own (${why})`;
}

/** Repositories that appear twice, in any spelling. */
function checkSharedRepositories(repositories: readonly Repository[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, Repository>();
  const isSystem = (candidate: Repository) => candidate.path[0] === "systemFlux";
  for (const repository of repositories) {
    const identity = repositoryIdentity(repository.location);
    const earlier = seen.get(identity);
    if (earlier === undefined) {
      seen.set(identity, repository);
      continue;
    }
    ctx.addIssue({
      code: "custom",
      path: repository.path,
      message: sharedRepositoryProblem(repository, earlier, isSystem),
    });
  }
}

/** Every repository URL that parsed: the system Flux's, then each application's. */
function repositoriesOf(setting: (key: string) => unknown): Repository[] {
  const repositories: Repository[] = [];
  const systemFlux = setting("systemFlux");
  if (isRecord(systemFlux) && isLocation(systemFlux["repository"])) {
    repositories.push({ path: ["systemFlux", "repository"], location: systemFlux["repository"] });
  }
  const applications = setting("applications");
  if (Array.isArray(applications)) {
    applications.forEach((app: unknown, index) => {
      if (isRecord(app) && isLocation(app["repository"])) {
        repositories.push({
          path: ["applications", index, "repository"],
          location: app["repository"],
        });
      }
    });
  }
  return repositories;
}

export function checkAcrossSections(
  stack: unknown,
  raw: RawStackConfig,
  ctx: z.RefinementCtx,
): void {
  if (!isRecord(stack)) return;
  const secretKeys = new Set(raw.secretKeys ?? []);
  const setting = (key: string): unknown =>
    secretKeys.has(key) || !Object.hasOwn(stack, key) ? undefined : stack[key];
  const repositories = repositoriesOf(setting);

  checkSharedRepositories(repositories, ctx);

  // Host keys are checked only against a knownHosts that can be read: a secret one cannot.
  if (!secretKeys.has("knownHosts")) {
    // Raw input when knownHosts failed to parse: keys may not be lower-cased yet.
    const knownHosts = setting("knownHosts");
    const overrides = new Map(
      Object.entries(isRecord(knownHosts) ? knownHosts : {}).map(
        ([host, text]) => [host.toLowerCase(), text] as const,
      ),
    );
    for (const { path, location } of repositories) {
      const problem = hostKeyProblem(location, overrides);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path, message: problem });
    }
  }

  checkSecrets(repositories, setting, raw, ctx);

  const externalDns = setting("externalDns");
  if (isRecord(externalDns) && externalDns["enabled"] !== false) {
    const target = {
      ...(raw.awsRegion === undefined ? {} : { region: raw.awsRegion }),
      ...(raw.deployingAccount === undefined ? {} : { deployingAccount: raw.deployingAccount }),
    };
    const region = raw.awsRegion === undefined ? undefined : regionProblem(raw.awsRegion);
    if (region !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        params: { key: AWS_REGION_KEY } satisfies IssueParams,
        message: region,
      });
    }
    for (const { field, message } of externalDnsArnProblems(externalDns, target)) {
      ctx.addIssue({ code: "custom", path: ["externalDns", field], message });
    }
    if (externalDns["identity"] === "kube2iam" && raw.awsRegion === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        params: { key: AWS_REGION_KEY } satisfies IssueParams,
        message: `is required when ${settingKey(["externalDns", "identity"])} is kube2iam: kube2iam gives the pod no AWS region, and External DNS has no region flag; expected the cluster's region, set with "pulumi config set ${AWS_REGION_KEY} <region>"`,
      });
    }
  }

  const eksProblem = defaultEksClusterNameProblem(setting("clusterName"), externalDns);
  if (eksProblem !== undefined) {
    ctx.addIssue({ code: "custom", path: ["externalDns", "eksClusterName"], message: eksProblem });
  }
}

/** The GitHub token and New Relic license key: set when needed, and set as secrets. */
function checkSecrets(
  repositories: readonly Repository[],
  setting: (key: string) => unknown,
  raw: RawStackConfig,
  ctx: z.RefinementCtx,
): void {
  const onGitHub = [
    ...new Set(
      repositories.flatMap(({ location: { github } }) =>
        github ? [`${github.owner}/${github.name}`] : [],
      ),
    ),
  ];
  const registering = setting("registerDeployKeys") !== false;
  if (registering && onGitHub.length > 0 && !raw.githubTokenIsSet) {
    ctx.addIssue({
      code: "custom",
      path: [],
      params: { key: GITHUB_TOKEN_KEY } satisfies IssueParams,
      message: `is required to register deploy keys on ${onGitHub.join(", ")}; expected a token with the repositories' Administration permission (read and write), set with "pulumi config set --secret ${GITHUB_TOKEN_KEY} <token>" or exported as GITHUB_TOKEN`,
    });
  }
  if (raw.githubTokenIsSecret === false) {
    ctx.addIssue({
      code: "custom",
      path: [],
      params: { key: GITHUB_TOKEN_KEY } satisfies IssueParams,
      message: `is set in plaintext in the stack's config; expected a secret, set with "pulumi config set --secret ${GITHUB_TOKEN_KEY} <token>", or export GITHUB_TOKEN`,
    });
  }

  const licenseKey = settingKey([LICENSE_KEY]);
  const newrelic = setting("newrelic");
  if (isRecord(newrelic) && newrelic["enabled"] === true && !raw.licenseKeyIsSet) {
    ctx.addIssue({
      code: "custom",
      path: [LICENSE_KEY],
      message: `is required while ${settingKey(["newrelic", "enabled"])} is true (the default); expected a secret set with "pulumi config set --secret ${licenseKey} <key>", or set ${settingKey(["newrelic", "enabled"])} to false`,
    });
  }
  // Reported even while New Relic is disabled: the key already sits readable in the stack file.
  if (raw.licenseKeyIsSet && raw.licenseKeyIsSecret === false) {
    ctx.addIssue({
      code: "custom",
      path: [LICENSE_KEY],
      message: `is set in plaintext in the stack's config; expected a secret, set with "pulumi config set --secret ${licenseKey} <key>"`,
    });
  }
}

/**
 * Why the EKS cluster name External DNS would default to (clusterName) is unusable, or undefined.
 * Only irsa without an OIDC provider ARN (to look the provider up) and pod-identity use it. A
 * clusterName that is not a cluster name at all is reported on its own key, not again here.
 */
function defaultEksClusterNameProblem(clusterName: unknown, dns: unknown): string | undefined {
  if (typeof clusterName !== "string" || !CLUSTER_NAME.test(clusterName)) return undefined;
  if (EKS_CLUSTER_NAME.test(clusterName)) return undefined;
  if (!isRecord(dns) || dns["enabled"] === false || dns["eksClusterName"] !== undefined) {
    return undefined;
  }
  const usesEksName =
    dns["identity"] === "pod-identity" ||
    (dns["identity"] === "irsa" && dns["oidcProviderArn"] === undefined);
  if (!usesEksName) return undefined;
  return `is required because ${settingKey(["clusterName"])} ${quoted(clusterName)} is not a valid EKS cluster name; expected the name shown by "aws eks list-clusters"`;
}
