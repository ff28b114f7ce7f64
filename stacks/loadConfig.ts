import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { numbersAsTyped } from "./jsonNumbers";
import { AWS_REGION_KEY, CONFIG_NAMESPACE, GITHUB_TOKEN_KEY, LICENSE_KEY } from "./names";
import type { ClusterSettings, DeployingAccount, RawStackConfig } from "./settings";
import { validateStackConfig } from "./validate";

/** The validated settings plus the one secret the program reads from stack config. */
export interface StackConfig extends ClusterSettings {
  /** Set only when New Relic is enabled; always a Pulumi secret. */
  readonly newRelicLicenseKey?: pulumi.Output<string>;
  /** `github:token`, or else GITHUB_TOKEN from the environment; always a Pulumi secret. */
  readonly githubToken?: pulumi.Output<string>;
}

/**
 * Whether a stack config key (`k8s-flux:newrelicLicenseKey`) was set with --secret, or undefined
 * when this SDK has no way to tell. The SDK answers with `isConfigSecret` from the list of secret
 * keys the CLI passes it (PULUMI_CONFIG_SECRET_KEYS); when no list was passed, it answers false,
 * not "unknown". Pulumi CLI 3.x, which the README requires, always passes the list. The function
 * is marked @internal and left out of the type declarations, so a future release may drop or
 * change it: it is looked up at run time, and only its absence gives undefined.
 */
export function configKeyIsSecret(fullKey: string): boolean | undefined {
  const isConfigSecret = (runtimeConfig as unknown as Record<string, unknown>)["isConfigSecret"];
  if (typeof isConfigSecret !== "function") return undefined;
  const answer: unknown = isConfigSecret(fullKey);
  return typeof answer === "boolean" ? answer : undefined;
}

/**
 * Reads every `k8s-flux:` key from the stack, parsing the structured ones from JSON (the CLI
 * passes YAML maps and lists as JSON). Text that is not valid JSON stays text, so the validator
 * reports it with every other problem ("expected an object, got string ..."). An empty value
 * (a YAML key with nothing after it) counts as not set. Secret values are read like any other,
 * and the keys that hold them are listed, to be refused without quoting them. Whether a GitHub
 * token is set comes from the caller, which looked it up once (see gitHubToken).
 */
export function readRawStackConfig(
  all: Readonly<Record<string, string>>,
  githubTokenIsSet: boolean,
  isSecret: (fullKey: string) => boolean | undefined = configKeyIsSecret,
): RawStackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const values: Record<string, unknown> = {};
  const typedNumbers: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (key === LICENSE_KEY || !isSet(text)) continue;
    const value = parseStructured(text);
    // Defined, not assigned: `values["__proto__"] = ...` would set the prototype, and the key
    // would vanish instead of being reported as an unknown setting.
    Object.defineProperty(values, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    if (value !== text) Object.assign(typedNumbers, numbersAsTyped(text, key));
    if (isSecret(fullKey) === true) secretKeys.push(key);
  }
  const licenseKeyIsSet = isSet(all[`${prefix}${LICENSE_KEY}`]);
  const licenseKeyIsSecret = licenseKeyIsSet ? isSecret(`${prefix}${LICENSE_KEY}`) : undefined;
  const githubTokenIsSecret = isSet(all[GITHUB_TOKEN_KEY]) ? isSecret(GITHUB_TOKEN_KEY) : undefined;
  const awsRegion = all[AWS_REGION_KEY];
  return {
    values,
    ...(Object.keys(typedNumbers).length > 0 ? { numbersAsTyped: typedNumbers } : {}),
    licenseKeyIsSet,
    ...(licenseKeyIsSecret === undefined ? {} : { licenseKeyIsSecret }),
    secretKeys,
    githubTokenIsSet,
    ...(githubTokenIsSecret === undefined ? {} : { githubTokenIsSecret }),
    ...(isSet(awsRegion) ? { awsRegion: awsRegion.trim() } : {}),
  };
}

/** A blank value counts as not set. */
const isSet = (text: string | undefined): text is string =>
  text !== undefined && text.trim() !== "";

function parseStructured(text: string): unknown {
  const looksStructured = /^\s*[[{]/.test(text) || text === "true" || text === "false";
  if (!looksStructured) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The stack's config as read once: raw values for the validator, and the GitHub token. */
export interface StackConfigSource {
  readonly raw: RawStackConfig;
  readonly githubToken?: pulumi.Output<string>;
}

/** Reads this stack's config, without judging it. */
export function readStackConfig(): StackConfigSource {
  const all = pulumi.runtime.allConfig();
  const githubToken = gitHubToken(all, process.env);
  const raw = readRawStackConfig(all, githubToken !== undefined);
  return { raw, ...(githubToken ? { githubToken } : {}) };
}

/**
 * Validates this stack's config. Throws a StackConfigError before any resource is registered,
 * with a message that names each bad key, so bad input never changes a cluster.
 */
export function loadStackConfig(
  source: StackConfigSource = readStackConfig(),
  deployingAccount?: DeployingAccount,
): StackConfig {
  const settings = validateStackConfig({
    ...source.raw,
    ...(deployingAccount === undefined ? {} : { deployingAccount }),
  });
  return {
    ...settings,
    ...(settings.newRelic.enabled
      ? { newRelicLicenseKey: new pulumi.Config(CONFIG_NAMESPACE).requireSecret(LICENSE_KEY) }
      : {}),
    ...(source.githubToken ? { githubToken: source.githubToken } : {}),
  };
}

/**
 * `github:token`, or else GITHUB_TOKEN, as a Pulumi secret. The GitHub provider would read
 * GITHUB_TOKEN itself when given no token, but then keeps it as a plain input in state.
 */
function gitHubToken(
  all: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
): pulumi.Output<string> | undefined {
  if (isSet(all[GITHUB_TOKEN_KEY])) return new pulumi.Config("github").requireSecret("token");
  const fromEnvironment = env["GITHUB_TOKEN"];
  return isSet(fromEnvironment) ? pulumi.secret(fromEnvironment) : undefined;
}
