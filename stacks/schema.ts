import { z } from "zod";
import { applicationFluxDefaults } from "../components/applicationFlux/defaults";
import { comparableDomain } from "../components/applicationFlux/dnsNames";
import {
  podSecurityLevels,
  TENANT_FLUX_NAMESPACE_SUFFIX,
  tenantNamespaces,
} from "../components/applicationFlux/tenancy";
import { IAM_ROLE_ARN, OIDC_PROVIDER_ARN } from "../components/shared/arns";
import {
  type ExternalDnsIdentityMode,
  externalDnsDefaults,
  externalDnsIdentities,
  externalDnsPolicies,
} from "../components/externalDns/defaults";
import { annotationPrefixProblem } from "../components/externalDns/annotations";
import { domainFilterProblem } from "../components/externalDns/domainFilters";
import { DEFAULT_SEALING_KEY, sealedSecretsDefaults } from "../components/sealedSecrets/defaults";
import { systemFluxDefaults } from "../components/systemFlux/defaults";
import { parseRepositoryUrl, SSH_URL_EXAMPLES } from "../components/shared/repositoryUrl";
import { intervalProblem } from "./durations";
import { evenWithFieldErrors } from "./evenWithFieldErrors";
import { isRecord } from "./isRecord";
import { knownHostsProblem } from "./knownHostsText";
import { listedOnce } from "./listedOnce";
import { LICENSE_KEY } from "./names";
import { escapedCodePoint, firstInvisibleCharacter, quoted, settingKey } from "./quoting";
import { limitRangeSetting, resourceQuotaSetting } from "./tenantResources";
import { namespaceOwner } from "./reservedNamespaces";

/**
 * The shape of the `k8s-flux:*` stack settings, as users write them in Pulumi.<stack>.yaml.
 *
 * Every rule that can be checked on one setting, or inside one section (a repository URL, an
 * application name, the identity options of External DNS, duplicate application names), lives
 * here. Rules on sections that fail still run on the parts that parsed, so one run reports every
 * problem. Rules across sections, or on the stack's secrets and deployment target, are in
 * rules.ts.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Route53 zone ids in any case; they are upper-cased once they pass, as AWS writes them. */
const HOSTED_ZONE_ID = /^[A-Z0-9]{1,32}$/i;
/**
 * What `git check-ref-format --branch` accepts: no leading "-", not "@" or HEAD, no component
 * starting with "." or ending in ".lock", no "..", "//", "@{", and none of space ~ ^ : ? * [ \.
 */
const GIT_BRANCH =
  /^(?!-|@$|HEAD$|\/|.*(\.\.|\/\/|@\{|\.lock(\/|$)|\/$|\.$|(^|\/)\.))[^\s~^:?*[\\\p{Cc}]+$/u;
/** As EKS limits its cluster names; the name is also External DNS's TXT owner id. */
const MAX_CLUSTER_NAME_LENGTH = 100;
const CLUSTER_NAME_CHARACTERS = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** A cluster name: its characters, and at most MAX_CLUSTER_NAME_LENGTH of them. */
export const CLUSTER_NAME = new RegExp(
  `(?=^.{1,${MAX_CLUSTER_NAME_LENGTH}}$)${CLUSTER_NAME_CHARACTERS.source}`,
);
/** EKS cluster names, as the EKS API accepts them: no "." (which other cluster names may have). */
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** A known_hosts table key: a bare host name or address, without port or brackets. */
const HOST_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

/** The longest application name whose `<name>-flux` namespace still fits in 63 characters. */
const MAX_APPLICATION_NAME_LENGTH = 63 - TENANT_FLUX_NAMESPACE_SUFFIX.length;

export { evenWithFieldErrors };

/** A custom message for a missing value; a value of the wrong type gets the generic message. */
const whenMissing =
  (message: string) =>
  (issue: { input?: unknown }): string | undefined =>
    issue.input === undefined ? message : undefined;

/** Why a text read by Flux as a name has a character no one can see, or undefined. */
function invisibleCharacterProblem(value: string, expected: string): string | undefined {
  const character = firstInvisibleCharacter(value);
  return character === undefined
    ? undefined
    : `${quoted(value)} has the invisible character ${escapedCodePoint(character)}, which would make it read as something else; expected ${expected}`;
}

const interval = z
  .string({
    // YAML reads `interval: 60` as a number; what it lacks is its unit, not quotes.
    error: (issue) =>
      typeof issue.input === "number"
        ? `${quoted(issue.input)} is a number without a unit; expected a duration such as 1m, 90s or 1h30m (units ms, s, m, h)`
        : undefined,
  })
  .superRefine((value, ctx) => {
    const problem = intervalProblem(value, quoted(value));
    if (problem !== undefined) ctx.addIssue(problem);
  });

const branch = z.string().superRefine((value, ctx) => {
  const invisible = invisibleCharacterProblem(value, "a branch name such as main");
  if (invisible !== undefined) {
    ctx.addIssue(invisible);
  } else if (value.startsWith("refs/")) {
    ctx.addIssue(
      `${quoted(value)} is a full ref; expected the branch name without refs/heads/, such as main`,
    );
  } else if (!GIT_BRANCH.test(value)) {
    ctx.addIssue(
      `${quoted(value)} is not a valid Git branch name; expected a branch such as main or release/1.2`,
    );
  }
});

/** A folder in the repository, always returned as `./<path>`, as Flux expects it. */
const repositoryPath = z
  .string()
  .superRefine((value, ctx) => {
    const invisible = invisibleCharacterProblem(value, "a path such as clusters/dev");
    if (invisible !== undefined) {
      ctx.addIssue(invisible);
    } else if (value.startsWith("/") || value.split("/").includes("..")) {
      ctx.addIssue(
        `${quoted(value)} is not a path inside the repository; expected a relative path without "..", such as clusters/dev`,
      );
    }
  })
  .transform((path) =>
    path === "" || path === "." || path === "./" ? "./" : `./${path.replace(/^\.\//, "")}`,
  );

/** An SSH repository URL, in either spelling, parsed into the location Flux and GitHub need. */
const repositoryUrl = z
  .string({
    error: whenMissing(`is required; expected an SSH repository URL such as ${SSH_URL_EXAMPLES}`),
  })
  .transform((url, ctx) => {
    const parsed = parseRepositoryUrl(url);
    if (parsed.ok) return parsed.location;
    ctx.issues.push({ code: "custom", message: parsed.reason, input: url });
    return z.NEVER;
  });

/** Fields every Git source shares (the system Flux and each application), with its defaults. */
const gitSourceFields = (defaults: { branch: string; path: string; interval: string }) => ({
  repository: repositoryUrl,
  branch: branch.default(defaults.branch),
  path: repositoryPath.default(defaults.path),
  interval: interval.default(defaults.interval),
});

/** A domain External DNS may publish in, by the component's own rule; lower-cased once it passes. */
const domainFilter = z
  .string()
  .superRefine((name, ctx) => {
    const problem = domainFilterProblem(name);
    if (problem !== undefined) ctx.addIssue(problem);
  })
  .transform((name) => name.toLowerCase());

/**
 * The DNS domains an application may name, in External DNS's hostname annotations and in Ingress
 * hosts (components/applicationFlux/dnsNames.ts): domain names by the same rule as domain filters,
 * each once, lower-cased once they pass. An empty list lets the tenant name none.
 */
const dnsDomains = z
  .array(
    z.string().superRefine((name, ctx) => {
      const problem =
        invisibleCharacterProblem(name, "a domain such as shop.example.com") ??
        domainFilterProblem(name);
      if (problem !== undefined) ctx.addIssue(problem);
    }),
  )
  .check(
    listedOnce(
      (domain, earlier) =>
        earlier === domain
          ? `${quoted(domain)} is listed twice; expected each domain once`
          : `${quoted(domain)} is the same domain as ${quoted(earlier)}, listed before it, since DNS names ignore case and the root's trailing dot; expected each domain once`,
      comparableDomain,
    ),
  )
  .transform((domains) => domains.map((domain) => domain.toLowerCase()));

const roleArnField = z
  .string()
  .regex(IAM_ROLE_ARN, {
    error: (issue) =>
      `${quoted(issue.input)} is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>`,
  })
  .optional();

const externalDnsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    domainFilters: z.array(domainFilter).default([...externalDnsDefaults.domainFilters]),
    hostedZoneIds: z
      .array(
        z
          .string()
          .transform((value) => value.replace(/^\/?hostedzone\//, ""))
          .pipe(
            z
              .string()
              .regex(HOSTED_ZONE_ID, {
                error: (issue) =>
                  `${quoted(issue.input)} is not a Route53 hosted zone id; expected letters and digits such as Z0123456789ABCDEFGHIJ`,
              })
              .transform((id) => id.toUpperCase()),
          ),
      )
      .default([...externalDnsDefaults.hostedZoneIds]),
    /** The explicit choice to let External DNS change every zone: no hostedZoneIds then. */
    allZones: z.boolean().default(externalDnsDefaults.allZones),
    policy: z
      .enum(externalDnsPolicies, {
        error: (issue) =>
          `${quoted(issue.input)} is not a policy; expected one of ${externalDnsPolicies.join(", ")}`,
      })
      .default(externalDnsDefaults.policy),
    identity: z
      .enum(externalDnsIdentities, {
        error: (issue) =>
          `${quoted(issue.input)} is not an identity mode; expected one of ${externalDnsIdentities.join(", ")}`,
      })
      .default(externalDnsDefaults.identity),
    eksClusterName: z
      .string()
      .regex(EKS_CLUSTER_NAME, {
        error: (issue) =>
          `${quoted(issue.input)} is not an EKS cluster name; expected the name shown by "aws eks list-clusters", such as dev-eks`,
      })
      .optional(),
    oidcProviderArn: z
      .string()
      .regex(OIDC_PROVIDER_ARN, {
        error: (issue) =>
          `${quoted(issue.input)} is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer>`,
      })
      .optional(),
    nodeRoleArn: roleArnField,
    roleArn: roleArnField,
    /** Lets roleArn or nodeRoleArn name a role in another account than the deploying one. */
    allowCrossAccountRole: z.boolean().optional(),
    annotationPrefix: z
      .string()
      .superRefine((prefix, ctx) => {
        const problem = annotationPrefixProblem(prefix);
        if (problem !== undefined) ctx.addIssue(problem);
      })
      .optional(),
    // ExternalDNS v0.22 stopped reading external-dns.alpha.kubernetes.io/ annotations by default.
    legacyAnnotations: z.boolean().default(externalDnsDefaults.legacyAnnotations),
  })
  .superRefine((dns, ctx) => {
    // Partially parsed when a field failed: read what the identity rules need as raw values.
    const { enabled, identity, nodeRoleArn, oidcProviderArn, roleArn, hostedZoneIds, allZones } =
      dns as Record<string, unknown>;
    if (enabled === false) return;
    const key = settingKey(["externalDns"]);
    if (Array.isArray(hostedZoneIds) && hostedZoneIds.length === 0 && allZones === false) {
      ctx.addIssue({
        code: "custom",
        path: ["hostedZoneIds"],
        message: `is empty, which would let External DNS change records in every Route53 hosted zone of the account; expected the ids of the zones it may change, such as [Z0123456789ABCDEFGHIJ], or ${key}.allZones set to true when every zone is intended`,
      });
    }
    if (Array.isArray(hostedZoneIds) && hostedZoneIds.length > 0 && allZones === true) {
      ctx.addIssue({
        code: "custom",
        path: ["allZones"],
        message: `is true, but ${key}.hostedZoneIds lists zones; expected one or the other`,
      });
    }
    if (!(externalDnsIdentities as readonly unknown[]).includes(identity)) return;
    const mode = identity as ExternalDnsIdentityMode;
    if (roleArn !== undefined) {
      // The role is managed elsewhere, trust policy included: nothing here would read these.
      for (const [field, value] of [
        ["nodeRoleArn", nodeRoleArn],
        ["oidcProviderArn", oidcProviderArn],
      ] as const) {
        if (value !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [field],
            message: `is only used to write the trust policy of a role this program creates, but ${key}.roleArn is set; remove one of them`,
          });
        }
      }
      return;
    }
    if (mode === "kube2iam" && nodeRoleArn === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["nodeRoleArn"],
        message: `is required when ${key}.identity is kube2iam; expected the ARN of the role kube2iam runs as on the nodes, such as arn:aws:iam::123456789012:role/eks-nodes`,
      });
    }
    if (mode !== "kube2iam" && nodeRoleArn !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["nodeRoleArn"],
        message: `is only used with identity kube2iam, but identity is ${mode}; remove it or set ${key}.identity to kube2iam`,
      });
    }
    if (mode !== "irsa" && oidcProviderArn !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["oidcProviderArn"],
        message: `is only used with identity irsa, but identity is ${mode}; remove it or set ${key}.identity to irsa`,
      });
    }
  }, evenWithFieldErrors)
  .prefault({});

const GENERATIONS = "expected 1, 2, 3, ...";

/**
 * Which deploy key a repository uses (`keyGeneration`), and which is made beside it, not yet used
 * (`nextKeyGeneration`). Raising keyGeneration makes a new key, registers it and switches the
 * Flux Secret to it before the old key is deleted; a key added by hand must be staged with
 * nextKeyGeneration first (deployKeyPlan.ts). Lowering it also makes a new key, never the old one
 * back (its private half is gone). Past 2^53 two generations would read as one number,
 * and a rotation to the second would silently change nothing.
 */
const keyGeneration = z
  .number({
    error: (issue) =>
      typeof issue.input === "number"
        ? `${quoted(issue.input)} is too large; expected a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`
        : undefined,
  })
  .superRefine((value, ctx) => {
    if (!Number.isInteger(value)) {
      ctx.addIssue(`${quoted(value)} is not a whole number; ${GENERATIONS}`);
    } else if (value < 1) {
      ctx.addIssue(`${quoted(value)} is below 1; ${GENERATIONS}`);
    } else if (!Number.isSafeInteger(value)) {
      ctx.addIssue(
        `${quoted(value)} is too large; expected a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
      );
    }
  });

const systemFluxSchema = z
  .strictObject(
    {
      ...gitSourceFields(systemFluxDefaults),
      imageAutomation: z.boolean().default(systemFluxDefaults.imageAutomation),
      keyGeneration: keyGeneration.default(systemFluxDefaults.keyGeneration),
      nextKeyGeneration: keyGeneration.optional(),
      installOperator: z.boolean().default(systemFluxDefaults.installOperator),
      operatorWebUi: z.boolean().default(systemFluxDefaults.operatorWebUi),
    },
    { error: whenMissing("is required; expected an object with at least a repository") },
  )
  .superRefine((flux, ctx) => {
    // The web UI is a setting of the operator this program installs; one managed elsewhere is
    // configured there.
    if (flux.operatorWebUi === true && flux.installOperator === false) {
      ctx.addIssue({
        code: "custom",
        path: ["operatorWebUi"],
        message: `is only used when this program installs the Flux Operator, but ${settingKey(["systemFlux", "installOperator"])} is false; remove it, or turn the UI on where the operator is managed`,
      });
    }
  }, evenWithFieldErrors);

const applicationName = z
  .string({ error: whenMissing("is required; expected a DNS-1123 label such as sample-dev") })
  .superRefine((name, ctx) => {
    const label = DNS1123_LABEL.test(name);
    if (!label) {
      ctx.addIssue(
        `${quoted(name)} is not a valid namespace name; expected lower-case letters, digits and "-", starting and ending with a letter or digit, such as sample-dev`,
      );
    }
    const { workloads, flux } = tenantNamespaces(name);
    if (name.length > MAX_APPLICATION_NAME_LENGTH) {
      ctx.addIssue(
        `${quoted(name)} is too long: its namespace ${quoted(flux)} would exceed 63 characters; expected at most ${MAX_APPLICATION_NAME_LENGTH} characters`,
      );
    }
    if (!label) return;
    for (const namespace of [workloads, flux]) {
      const owner = namespaceOwner(namespace);
      if (owner !== undefined) {
        ctx.addIssue(
          `${quoted(name)} would take the namespace ${quoted(namespace)}, ${owner}; expected a name whose namespaces (<name> and <name>${TENANT_FLUX_NAMESPACE_SUFFIX}) belong to no one else`,
        );
        return;
      }
    }
  });

/** The Pod Security Standard a tenant's namespaces enforce; never privileged. */
const podSecurity = z
  .enum(podSecurityLevels, {
    error: (issue) =>
      issue.input === "privileged"
        ? `"privileged" is not allowed; expected ${podSecurityLevels.join(" or ")} (privileged would let the tenant take over nodes)`
        : `${quoted(issue.input)} is not a Pod Security level; expected ${podSecurityLevels.join(" or ")}`,
  })
  .default(applicationFluxDefaults.podSecurity);

const applicationSchema = z.strictObject({
  name: applicationName,
  ...gitSourceFields(applicationFluxDefaults),
  podSecurity,
  keyGeneration: keyGeneration.default(applicationFluxDefaults.keyGeneration),
  nextKeyGeneration: keyGeneration.optional(),
  resourceQuota: resourceQuotaSetting.optional(),
  limitRange: limitRangeSetting.optional(),
  networkPolicy: z.boolean().default(applicationFluxDefaults.networkPolicy),
  // No default: left out, no policy is made. Taken with External DNS off too: one the platform
  // runs elsewhere, or a shared ingress controller, reads the tenant's names just the same.
  dnsDomains: dnsDomains.optional(),
});

const applications = z.array(applicationSchema).superRefine(
  (apps, ctx) => {
    const firstIndexByName = new Map<string, number>();
    const namespaceOwners = new Map<string, number>();
    (apps as readonly unknown[]).forEach((app, index) => {
      // Checked on every entry with a name, even when other fields of the entry failed.
      const name = isRecord(app) && typeof app["name"] === "string" ? app["name"] : undefined;
      if (name === undefined) return;
      const problem = (message: string): void =>
        ctx.addIssue({ code: "custom", path: [index, "name"], message, input: name });
      const earlier = firstIndexByName.get(name);
      if (earlier !== undefined) {
        problem(
          `${quoted(name)} is also the name of ${settingKey(["applications", earlier])}; expected unique application names`,
        );
        return;
      }
      firstIndexByName.set(name, index);
      const { workloads, flux } = tenantNamespaces(name);
      for (const namespace of [workloads, flux]) {
        const owner = namespaceOwners.get(namespace);
        if (owner !== undefined) {
          problem(
            `${quoted(name)} needs namespace ${quoted(namespace)}, which ${settingKey(["applications", owner])} also uses; expected names that do not differ only by ${quoted(TENANT_FLUX_NAMESPACE_SUFFIX)}`,
          );
        }
        namespaceOwners.set(namespace, index);
      }
    });
  },
  { when: (payload) => Array.isArray(payload.value) },
);

const toggle = z.strictObject({ enabled: z.boolean().default(true) }).prefault({});

/**
 * Sealing keys by name, oldest first. Each name is also its Secret's name in kube-system, so it
 * must be a DNS-1123 label. Removing one is checked against the last deployment in stacks/.
 */
const sealedSecretsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    keys: z
      .array(
        z
          .string()
          .regex(DNS1123_LABEL, {
            error: (issue) =>
              `${quoted(issue.input)} is not a key name; expected lower-case letters, digits and "-", such as key-2027-05`,
          })
          .max(63, {
            error: (issue) =>
              `${quoted(issue.input)} is too long for a Secret name; expected at most 63 characters`,
          }),
      )
      .min(1, {
        error: `is empty; expected at least one key name, such as [${DEFAULT_SEALING_KEY}]`,
      })
      .check(listedOnce((name) => `${quoted(name)} is listed twice; expected each key name once`))
      .default([...sealedSecretsDefaults.keys]),
    allowKeyRemoval: z.boolean().default(false),
  })
  .prefault({});

/**
 * Extra known_hosts text by host name; host names are lower-cased, text trimmed. The table is
 * looked up by the bare host of a repository URL, so a `[host]:port` key would never be used,
 * and host names ignore case, so two keys that differ only in case would name one host.
 */
const knownHosts = z
  .record(
    z.string(),
    z.string().superRefine((text, ctx) => {
      const problem = knownHostsProblem(text);
      if (problem !== undefined) {
        ctx.addIssue(
          `${problem}; expected known_hosts lines "<host> <key-type> <base64-key>" as printed by ssh-keyscan, checked out of band`,
        );
      }
    }),
  )
  .describe("host names, such as gitlab.com")
  .superRefine((hosts, ctx) => {
    const firstByHost = new Map<string, string>();
    for (const host of Object.keys(hosts)) {
      if (!HOST_NAME.test(host)) {
        ctx.addIssue({
          code: "custom",
          path: [host],
          input: host,
          message:
            "is not a host name; expected the bare host, such as gitlab.com (write [host]:port in the lines themselves)",
        });
        continue;
      }
      const first = firstByHost.get(host.toLowerCase());
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [host],
          input: host,
          message: `names the same host as ${settingKey(["knownHosts", first])}, since host names ignore case; expected one entry per host`,
        });
      } else {
        firstByHost.set(host.toLowerCase(), host);
      }
    }
  }, evenWithFieldErrors)
  .transform((hosts) =>
    Object.fromEntries(
      Object.entries(hosts).map(([host, text]) => [host.toLowerCase(), text.trim()]),
    ),
  );

export const stackSchema = z.strictObject({
  clusterName: z
    .string({ error: whenMissing("is required; expected the cluster's name, such as dev-eks") })
    .regex(CLUSTER_NAME, {
      error: (issue) =>
        typeof issue.input === "string" && CLUSTER_NAME_CHARACTERS.test(issue.input)
          ? `${quoted(issue.input)} is ${issue.input.length} characters long; expected a cluster name of at most ${MAX_CLUSTER_NAME_LENGTH} characters`
          : `${quoted(issue.input)} is not a cluster name; expected letters, digits, ".", "_" and "-", starting with a letter or digit, such as dev-eks`,
    }),
  externalDns: externalDnsSchema,
  systemFlux: systemFluxSchema,
  applications: applications.default([]),
  sealedSecrets: sealedSecretsSchema,
  metricsServer: toggle,
  newrelic: toggle,
  knownHosts: knownHosts.default({}),
  registerDeployKeys: z.boolean().default(true),
  waitForReadiness: z.boolean().default(true),
});

export type ParsedStack = z.output<typeof stackSchema>;

/** The `k8s-flux:` keys this program reads. The license key is read separately, as a secret. */
export const SETTING_KEYS = [...Object.keys(stackSchema.shape), LICENSE_KEY] as const;

/**
 * YAML turns a key with nothing after it (`domainFilters:` with every item commented out) into
 * null. Such a key counts as not set, so optional settings take their defaults and required ones
 * are reported as missing. Nulls inside lists stay, to be reported as the entries they spoil.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, child]) => child !== null)
      .map(([key, child]) => [key, withoutNulls(child)]),
  );
}
