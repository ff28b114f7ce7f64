import type { z } from "zod";
import type { TenantPodSecurity } from "../components/shared/tenancy";
import type { ExternalDnsArgs } from "../components/externalDns";
import type { GitRepositoryLocation, GitSource } from "../components/shared/gitSource";
import {
  DEFAULT_KNOWN_HOSTS,
  knownHostsCover,
  knownHostsLookupName,
  knownHostsProblem,
} from "../components/shared/knownHosts";
import {
  CLUSTER_NAME,
  EKS_CLUSTER_NAME,
  evenWithFieldErrors,
  isRecord,
  LICENSE_KEY,
  type ParsedStack,
  SETTING_KEYS,
  stackSchema,
  withoutNulls,
} from "./schema";

export const CONFIG_NAMESPACE = "k8s-flux";

/** External DNS as configured; the TXT owner id is always the cluster name. */
export type ExternalDnsSettings = Omit<
  ExternalDnsArgs,
  "txtOwnerId" | "namespace" | "waitForReadiness"
>;

export interface SystemFluxSettings extends GitSource {
  readonly imageAutomation: boolean;
  /** The deploy key's generation, from 1; raised to rotate the key. */
  readonly keyGeneration: number;
  /** Whether this program installs the Flux Operator, or finds it running. */
  readonly installOperator: boolean;
}

export interface ApplicationSettings extends GitSource {
  readonly name: string;
  /** The Pod Security Standard both of the tenant's namespaces enforce. */
  readonly podSecurity: TenantPodSecurity;
  /** The deploy key's generation, from 1; raised to rotate the key. */
  readonly keyGeneration: number;
}

export interface SealedSecretsSettings {
  readonly enabled: boolean;
  /** Sealing key names, oldest first; the newest certificate seals. */
  readonly keys: readonly string[];
  /** Whether a key deployed before may be left out of `keys` (and so deleted). */
  readonly allowKeyRemoval: boolean;
}

/** The whole stack, validated: everything one cluster needs, and nothing unchecked. */
export interface ClusterSettings {
  readonly clusterName: string;
  /** Undefined when External DNS is disabled. */
  readonly externalDns?: ExternalDnsSettings;
  readonly systemFlux: SystemFluxSettings;
  readonly applications: readonly ApplicationSettings[];
  readonly sealedSecrets: SealedSecretsSettings;
  readonly metricsServer: { readonly enabled: boolean };
  readonly newRelic: { readonly enabled: boolean };
  /** known_hosts text by host name: the built-in github.com keys merged with stack overrides. */
  readonly knownHosts: Readonly<Record<string, string>>;
  /** Whether deploy keys on github.com are registered there; otherwise they are added by hand. */
  readonly registerDeployKeys: boolean;
  /** Whether `pulumi up` waits for workloads and Flux objects to become ready. */
  readonly waitForReadiness: boolean;
}

/** What the loader hands to the validator: raw values by key, and what it knows of the secrets. */
export interface RawStackConfig {
  /** Values by key without the `k8s-flux:` prefix; objects already parsed from JSON. */
  readonly values: Readonly<Record<string, unknown>>;
  readonly licenseKeyIsSet: boolean;
  /**
   * Whether the set license key is stored as a secret: false when it was written in plaintext,
   * undefined when it is not set or the Pulumi SDK cannot tell.
   */
  readonly licenseKeyIsSecret?: boolean;
  /**
   * Keys of `values` stored as secrets (set with --secret). Each is refused: this program writes
   * every setting but the license key to plain state and outputs, and sends repository URLs to
   * GitHub, so a secret there would only look protected. No message quotes their values.
   */
  readonly secretKeys?: readonly string[];
  /** Whether `github:token` or GITHUB_TOKEN is set; needed only to register deploy keys. */
  readonly githubTokenIsSet: boolean;
  /**
   * Whether `github:token` is stored as a secret: false when it was written in plaintext,
   * undefined when it is not set (GITHUB_TOKEN may still be) or the Pulumi SDK cannot tell.
   */
  readonly githubTokenIsSecret?: boolean;
}

/** One or more problems in stack config; the message lists each on its own line. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "StackConfigError";
  }
}

/**
 * `["applications", 1, "name"]` → `k8s-flux:applications[1].name`, as `pulumi config set --path`
 * reads it. The top-level key is shown as written. That command splits a path at every "." and
 * "[", so a nested key with anything but letters, digits, "_" and "-" in it (a host name such as
 * git.example.org) is quoted in brackets: `k8s-flux:knownHosts["git.example.org"]`.
 */
const keyPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, segment, index) => {
    if (typeof segment === "number") return `${text}[${segment}]`;
    const name = String(segment);
    if (index === 0) return `${text}:${name}`;
    return /^[A-Za-z0-9_-]+$/.test(name) ? `${text}.${name}` : `${text}[${JSON.stringify(name)}]`;
  }, CONFIG_NAMESPACE);

/** Params of custom issues: `key` names a key outside `k8s-flux:` (such as `github:token`). */
interface IssueParams {
  readonly key?: string;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  switch (issue.code) {
    case "unrecognized_keys":
      // Names of settings, never their values.
      return issue.keys.map((unknownKey) => unknownSetting(issue.path, unknownKey));
    case "invalid_type":
      if (issue.message.startsWith("Invalid input")) {
        return [
          `${keyPath(issue.path)}: expected ${article(issue.expected)}, got ${describeValue(issue.input)}`,
        ];
      }
      return [`${keyPath(issue.path)}: ${issue.message}`];
    case "custom": {
      const params = issue.params as IssueParams | undefined;
      return [`${params?.key ?? keyPath(issue.path)}: ${issue.message}`];
    }
    default:
      return [`${keyPath(issue.path)}: ${issue.message}`];
  }
}

/**
 * The issue without what it says of keys stored as secrets, or undefined when it is only about
 * them: each such key gets one problem of its own and no other, so none can quote its value.
 */
function withoutSecretKeys(
  issue: z.core.$ZodIssue,
  secretKeys: ReadonlySet<string>,
): z.core.$ZodIssue | undefined {
  const topLevelKey = issue.path[0];
  if (typeof topLevelKey === "string" && secretKeys.has(topLevelKey)) return undefined;
  if (issue.code === "unrecognized_keys" && issue.path.length === 0) {
    const keys = issue.keys.filter((key) => !secretKeys.has(key));
    return keys.length === 0 ? undefined : { ...issue, keys };
  }
  return issue;
}

/**
 * An unknown key, with the key it was probably meant to be. A top-level key with "." or "[" in
 * it, whose first part is a section, is what `pulumi config set` without --path makes: it is
 * split at its first "." or "[" only, so `knownHosts.git.example.org` is the host
 * `git.example.org` inside `knownHosts`.
 */
function unknownSetting(path: readonly PropertyKey[], unknownKey: string): string {
  const flat = /^(?<section>[^.[]+)(?<rest>[.[].*)$/s.exec(unknownKey)?.groups;
  const section = flat?.["section"] ?? "";
  const rest = flat?.["rest"] ?? "";
  if (path.length === 0 && flat !== undefined && isSection(section)) {
    const nested = rest.startsWith(".")
      ? keyPath([section, rest.slice(1)])
      : `${keyPath([section])}${rest}`;
    const flatKey = keyPath([unknownKey]);
    return `${flatKey}: was set as a key of its own; expected it inside ${keyPath([section])}, so remove it with "pulumi config rm ${shellWord(flatKey)}" and set it again with "pulumi config set --path ${shellWord(nested)} <value>"`;
  }
  const allowed = settingNamesAt(path);
  const guess = closest(unknownKey, allowed);
  return `${keyPath([...path, unknownKey])}: unknown setting${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ""}; expected one of ${allowed.join(", ")}`;
}

/** A key as one shell word: single-quoted when "[", quotes or the like would upset the shell. */
const shellWord = (key: string): string =>
  /^[A-Za-z0-9_.:-]+$/.test(key) ? key : `'${key.replaceAll("'", "'\\''")}'`;

/** Whether a top-level setting holds settings of its own (an object, a list or a table). */
function isSection(name: string): boolean {
  const shape: Record<string, z.core.$ZodType> = stackSchema.shape;
  const schema = Object.hasOwn(shape, name) ? shape[name] : undefined;
  const type = schema === undefined ? undefined : unwrap(schema)._zod.def.type;
  return type === "object" || type === "array" || type === "record";
}

const article = (expected: string): string =>
  expected === "object" ? "an object" : expected === "array" ? "a list" : `a ${expected}`;

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** The setting names an object at `path` accepts, read from the schema itself. */
function settingNamesAt(path: readonly PropertyKey[]): string[] {
  if (path.length === 0) return [...SETTING_KEYS];
  let schema: z.core.$ZodType | undefined = stackSchema;
  for (const segment of path) {
    schema = schema === undefined ? undefined : unwrap(schema);
    const def: z.core.$ZodTypeDef | undefined = schema?._zod.def;
    if (def?.type === "object" && typeof segment === "string") {
      schema = (def as z.core.$ZodObjectDef).shape[segment];
    } else if (def?.type === "array") {
      schema = (def as z.core.$ZodArrayDef).element;
    } else {
      schema = undefined;
    }
  }
  const def = schema === undefined ? undefined : unwrap(schema)._zod.def;
  return def?.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    innerType?: z.core.$ZodType;
    in?: z.core.$ZodType;
  };
  if (def.type === "pipe" && def.in) return unwrap(def.in);
  if (def.innerType) return unwrap(def.innerType);
  return schema;
}

/** The allowed name a typo most likely meant: at most two edits away, ignoring case. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

const isLocation = (value: unknown): value is GitRepositoryLocation =>
  isRecord(value) && typeof value["sshUrl"] === "string" && typeof value["host"] === "string";

/**
 * Why Flux could not check the repository's host key with the known_hosts it will get, or
 * undefined when it can. Malformed entries are reported by the schema, so they are skipped here.
 */
function hostKeyProblem(
  location: GitRepositoryLocation,
  overrides: ReadonlyMap<string, unknown>,
): string | undefined {
  const { host } = location;
  const key = keyPath(["knownHosts", host]);
  const override = overrides.get(host);
  const text = override ?? DEFAULT_KNOWN_HOSTS[host];
  if (text === undefined) {
    return `no SSH host key is known for ${host}; expected an entry for it in ${CONFIG_NAMESPACE}:knownHosts, such as ${host}: "<output of ssh-keyscan ${host}, checked out of band>"`;
  }
  if (typeof text !== "string" || knownHostsProblem(text) !== undefined) return undefined;
  if (knownHostsCover(text, location)) return undefined;
  const lookup = knownHostsLookupName(location);
  const port = location.port ?? 22;
  const keyscan = `ssh-keyscan ${location.port === undefined ? "" : `-p ${location.port} `}${host}`;
  const source = override === undefined ? `the built-in known_hosts for ${host}` : key;
  const where = override === undefined ? ` in ${key}` : "";
  return `${source} has no line for ${lookup}, the host field ssh looks up for port ${port}; expected a line whose host field is or lists ${lookup}${where}, as printed by "${keyscan}", checked out of band`;
}

/**
 * Rules across sections and the stack's secrets. They run on whatever parsed, even when other
 * settings failed, so one run lists every problem: values here may still be raw input. Keys
 * stored as secrets are refused on their own, so no rule here reads them.
 */
function checkAcrossSections(stack: unknown, raw: RawStackConfig, ctx: z.RefinementCtx): void {
  if (!isRecord(stack)) return;
  const secretKeys = new Set(raw.secretKeys ?? []);
  const setting = (key: string): unknown => (secretKeys.has(key) ? undefined : stack[key]);
  const repositories: { path: PropertyKey[]; location: GitRepositoryLocation }[] = [];
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

  // Host keys are checked only against a knownHosts that can be read: a secret one cannot.
  if (!secretKeys.has("knownHosts")) {
    // Raw input when knownHosts failed to parse: keys may not be lower-cased yet.
    const knownHosts = stack["knownHosts"];
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
      params: { key: "github:token" } satisfies IssueParams,
      message: `is required to register deploy keys on ${onGitHub.join(", ")}; expected a token with the repositories' Administration permission (read and write), set with "pulumi config set --secret github:token <token>" or exported as GITHUB_TOKEN`,
    });
  }
  if (raw.githubTokenIsSecret === false) {
    ctx.addIssue({
      code: "custom",
      path: [],
      params: { key: "github:token" } satisfies IssueParams,
      message: `is set in plaintext in the stack's config; expected a secret, set with "pulumi config set --secret github:token <token>", or export GITHUB_TOKEN`,
    });
  }

  const newrelic = setting("newrelic");
  if (isRecord(newrelic) && newrelic["enabled"] === true && !raw.licenseKeyIsSet) {
    ctx.addIssue({
      code: "custom",
      path: [LICENSE_KEY],
      message: `is required while ${CONFIG_NAMESPACE}:newrelic.enabled is true (the default); expected a secret set with "pulumi config set --secret ${CONFIG_NAMESPACE}:newrelicLicenseKey <key>", or set ${CONFIG_NAMESPACE}:newrelic.enabled to false`,
    });
  }
  // Reported even while New Relic is disabled: the key already sits readable in the stack file.
  if (raw.licenseKeyIsSet && raw.licenseKeyIsSecret === false) {
    ctx.addIssue({
      code: "custom",
      path: [LICENSE_KEY],
      message: `is set in plaintext in the stack's config; expected a secret, set with "pulumi config set --secret ${CONFIG_NAMESPACE}:newrelicLicenseKey <key>"`,
    });
  }

  const eksProblem = defaultEksClusterNameProblem(setting("clusterName"), setting("externalDns"));
  if (eksProblem !== undefined) {
    ctx.addIssue({ code: "custom", path: ["externalDns", "eksClusterName"], message: eksProblem });
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
  return `is required because ${CONFIG_NAMESPACE}:clusterName ${JSON.stringify(clusterName)} is not a valid EKS cluster name; expected the name shown by "aws eks list-clusters"`;
}

/**
 * Validates raw stack config and returns typed settings, or throws a StackConfigError listing
 * every problem at once. Pure: it reads no config and registers no resources.
 */
export function validateStackConfig(raw: RawStackConfig): ClusterSettings {
  // The license key is a secret and never validated as a value: only whether it is set counts,
  // so no message can ever quote it. readRawStackConfig leaves it out; so does any other caller.
  const { [LICENSE_KEY]: _secretNeverQuoted, ...values } = raw.values;
  void _secretNeverQuoted;
  const secretKeys = new Set((raw.secretKeys ?? []).filter((key) => key !== LICENSE_KEY));
  const schema = stackSchema.superRefine(
    (stack, ctx) => checkAcrossSections(stack, raw, ctx),
    evenWithFieldErrors,
  );
  // reportInput: messages quote the value that was wrong. Keys stored as secrets get one problem
  // each, which quotes nothing of them, and every other problem under them is dropped.
  const parsed = schema.safeParse(withoutNulls(values), { reportInput: true });
  const problems = [
    ...[...secretKeys].map(
      (key) =>
        `${keyPath([key])}: is stored as a secret, but its value is written to plain state, outputs and GitHub; expected it set without --secret`,
    ),
    ...(parsed.success ? [] : parsed.error.issues)
      .map((issue) => withoutSecretKeys(issue, secretKeys))
      .filter((issue) => issue !== undefined)
      .flatMap(describeIssue),
  ];
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(problems);
  return toClusterSettings(parsed.data);
}

/** Shapes validated config into what the components take. */
function toClusterSettings(stack: ParsedStack): ClusterSettings {
  const knownHosts: Record<string, string> = { ...DEFAULT_KNOWN_HOSTS, ...stack.knownHosts };
  return {
    clusterName: stack.clusterName,
    ...(stack.externalDns.enabled ? { externalDns: externalDnsSettings(stack) } : {}),
    systemFlux: stack.systemFlux,
    applications: stack.applications,
    sealedSecrets: stack.sealedSecrets,
    metricsServer: stack.metricsServer,
    newRelic: stack.newrelic,
    knownHosts,
    registerDeployKeys: stack.registerDeployKeys,
    waitForReadiness: stack.waitForReadiness,
  };
}

function externalDnsSettings(stack: ParsedStack): ExternalDnsSettings {
  const dns = stack.externalDns;
  const eksClusterName = dns.eksClusterName ?? stack.clusterName;
  let identity: ExternalDnsSettings["identity"];
  switch (dns.identity) {
    case "kube2iam":
      if (dns.nodeRoleArn === undefined && dns.roleArn === undefined) {
        // The schema reports this as bad input; reaching it here is a bug.
        throw new Error("externalDns.nodeRoleArn passed validation without a value");
      }
      identity = {
        mode: "kube2iam",
        ...(dns.nodeRoleArn !== undefined ? { nodeRoleArn: dns.nodeRoleArn } : {}),
      };
      break;
    case "pod-identity":
      identity = { mode: "pod-identity", eksClusterName };
      break;
    case "irsa":
      identity = {
        mode: "irsa",
        eksClusterName,
        ...(dns.oidcProviderArn ? { oidcProviderArn: dns.oidcProviderArn } : {}),
      };
      break;
  }
  return {
    domainFilters: dns.domainFilters,
    hostedZoneIds: [...new Set(dns.hostedZoneIds)],
    policy: dns.policy,
    identity,
    ...(dns.annotationPrefix ? { annotationPrefix: dns.annotationPrefix } : {}),
    ...(dns.roleArn ? { roleArn: dns.roleArn } : {}),
    legacyAnnotations: dns.legacyAnnotations,
  };
}
