/**
 * Resource names and amounts as a ResourceQuota's `hard` map and a LimitRange's container
 * defaults take them, checked as the API server checks them (k8s.io/kubernetes v1.36,
 * pkg/apis/core/validation and pkg/apis/core/helper), so that a value it would refuse halfway
 * through `pulumi up` is refused before anything changes. Plain functions, shared by the config
 * schema and the ApplicationFlux component.
 */
import { quoted } from "../shared/quotedText";

/** An amount, exactly: numerator / denominator, both positive or zero. */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export const QUANTITY_EXAMPLES = '"500m", "2", "4Gi" or "1e3"';

/**
 * A non-negative decimal with at most one suffix: binary (Ki … Ei), decimal SI (n, u, m, k, M,
 * G, T, P, E) or a decimal exponent. The API server also takes a sign; no quota or default
 * is ever negative, so none is accepted here.
 */
const QUANTITY =
  /^(?<digits>\d+(?:\.\d+)?|\.\d+)(?:(?<binary>[KMGTPE]i)|(?<si>[numkMGTPE])|[eE](?<exponent>[+-]?\d{1,2}))?$/;

const BINARY_POWERS: Readonly<Record<string, bigint>> = {
  Ki: 10n,
  Mi: 20n,
  Gi: 30n,
  Ti: 40n,
  Pi: 50n,
  Ei: 60n,
};
const SI_EXPONENTS: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** The exact amount a quantity stands for, or undefined when it is not one. */
export function parseQuantity(text: string): Quantity | undefined {
  const groups = QUANTITY.exec(text)?.groups;
  if (groups === undefined) return undefined;
  const [whole = "", fraction = ""] = (groups["digits"] ?? "").split(".");
  let numerator = BigInt(`${whole}${fraction}` || "0");
  let denominator = 10n ** BigInt(fraction.length);
  const binary = groups["binary"];
  const si = groups["si"];
  const exponent =
    si !== undefined
      ? (SI_EXPONENTS[si] ?? 0)
      : groups["exponent"] !== undefined
        ? Number(groups["exponent"])
        : 0;
  if (binary !== undefined) numerator *= 2n ** (BINARY_POWERS[binary] ?? 0n);
  if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
  else denominator *= 10n ** BigInt(-exponent);
  return { numerator, denominator };
}

/** Negative, zero or positive as `a` is less than, equal to or more than `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left === right ? 0 : left < right ? -1 : 1;
}

const isWhole = (quantity: Quantity): boolean => quantity.numerator % quantity.denominator === 0n;

/** `[prefix/]name`, as Kubernetes qualifies names: a DNS subdomain prefix, a 63-character name. */
const QUALIFIED_NAME =
  /^(?:(?<prefix>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)\/)?(?<name>[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

function isQualifiedName(name: string): boolean {
  const groups = QUALIFIED_NAME.exec(name)?.groups;
  if (groups === undefined) return false;
  return (groups["prefix"] ?? "").length <= 253 && (groups["name"] ?? "").length <= 63;
}

/** What a quota may cap without a "/" in its name (core/helper standardQuotaResources). */
const QUOTA_RESOURCES = [
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.storage",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "persistentvolumeclaims",
  "configmaps",
  "services.nodeports",
  "services.loadbalancers",
] as const;

/** Object counts, which the API server takes only as whole numbers (core/helper integerResources). */
const COUNTED_RESOURCES: ReadonlySet<string> = new Set([
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "services.nodeports",
  "services.loadbalancers",
]);

/**
 * Whether the API server counts this quota resource in whole units: the object counts, and
 * extended names (with "/", not in kubernetes.io/, not starting with requests.), which include
 * `count/<resource>.<group>` and `<class>.storageclass.storage.k8s.io/requests.storage`.
 */
function isCountedQuotaResource(name: string): boolean {
  if (COUNTED_RESOURCES.has(name)) return true;
  return name.includes("/") && !name.includes("kubernetes.io/") && !name.startsWith("requests.");
}

/** Container defaults a LimitRange may give (core/helper standardContainerResources). */
export const CONTAINER_RESOURCES = ["cpu", "memory", "ephemeral-storage"] as const;

const isContainerResource = (name: string): boolean =>
  (CONTAINER_RESOURCES as readonly string[]).includes(name);

/** Why a quota cannot cap this resource name, or undefined. */
export function quotaResourceProblem(name: string) {
  const standard =
    (QUOTA_RESOURCES as readonly string[]).includes(name) ||
    name.startsWith("hugepages-") ||
    name.startsWith("requests.hugepages-");
  if (isQualifiedName(name) && (name.includes("/") || standard)) return undefined;
  return `${quoted(name)} is not a resource a ResourceQuota can cap; expected one of ${QUOTA_RESOURCES.join(", ")}, hugepages-<size>, or a qualified name such as count/deployments.apps or requests.nvidia.com/gpu`;
}

/** Why an amount is unusable for this resource, or undefined. */
export function quantityProblem(
  resource: string,
  value: string,
  counted: boolean,
): string | undefined {
  const quantity = parseQuantity(value);
  if (quantity === undefined) {
    return `${quoted(value)} is not a quantity; expected a non-negative amount such as ${QUANTITY_EXAMPLES}`;
  }
  if (counted && !isWhole(quantity)) {
    return `${quoted(value)} is not a whole number, and ${resource} is counted in whole units; expected a whole amount such as "10"`;
  }
  return undefined;
}

/** The problems of a ResourceQuota's `hard` map, each under the name it is about. */
export function resourceQuotaProblems(
  hard: Readonly<Record<string, string>>,
): { readonly key: string; readonly problem: string }[] {
  return Object.entries(hard).flatMap(([name, value]) => {
    const problem =
      quotaResourceProblem(name) ?? quantityProblem(name, value, isCountedQuotaResource(name));
    return problem === undefined ? [] : [{ key: name, problem }];
  });
}

/** Per-container defaults in a tenant's workload namespace: limits, and requests. */
export interface ContainerDefaults {
  /** The limit a container gets for each resource it sets no limit for. */
  readonly default?: Readonly<Record<string, string>>;
  /** The request a container gets for each resource it sets no request for. */
  readonly defaultRequest?: Readonly<Record<string, string>>;
}

/** The problems of container defaults, each under the path (`default`, `cpu`) it is about. */
export function containerDefaultsProblems(
  defaults: ContainerDefaults,
): { readonly path: readonly string[]; readonly problem: string }[] {
  const problems: { path: readonly string[]; problem: string }[] = [];
  for (const field of ["default", "defaultRequest"] as const) {
    for (const [name, value] of Object.entries(defaults[field] ?? {})) {
      const problem = isContainerResource(name)
        ? quantityProblem(name, value, false)
        : `${quoted(name)} is not a container resource a LimitRange gives defaults for; expected ${CONTAINER_RESOURCES.join(", ")}`;
      if (problem !== undefined) problems.push({ path: [field, name], problem });
    }
  }
  // The API server refuses a default request above the default limit of the same resource. A
  // name that is no container resource has its problem already, and is not repeated raw here.
  for (const [name, requested] of Object.entries(defaults.defaultRequest ?? {})) {
    if (!isContainerResource(name)) continue;
    const limitText = defaults.default?.[name];
    const limit = limitText === undefined ? undefined : parseQuantity(limitText);
    const request = parseQuantity(requested);
    if (limit !== undefined && request !== undefined && compareQuantities(request, limit) > 0) {
      problems.push({
        path: ["defaultRequest", name],
        problem: `${quoted(requested)} is more than the default limit ${quoted(limitText ?? "")} for ${name}; expected a default request at most the default limit`,
      });
    }
  }
  return problems;
}
