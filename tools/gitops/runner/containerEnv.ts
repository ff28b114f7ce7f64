/**
 * A container's environment and command line as the kubelet makes them: envFrom, then env in
 * order, each value able to name earlier ones as $(VAR); the downward API (fieldRef,
 * resourceFieldRef); Secret and ConfigMap keys; and $(VAR) in command and args.
 */
import { GitOpsError } from "../errors";
import type { Container, EnvVar } from "./deployment";
import { parseQuantity } from "./quantity";

/** What the downward API can tell a container about its pod. */
export interface PodFacts {
  name: string;
  namespace: string;
  uid: string;
  serviceAccountName: string;
  nodeName: string;
  podIP: string;
  hostIP: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Node capacity, which the downward API reports for a resource with no limit. */
export interface NodeCapacity {
  cpus: number;
  memoryBytes: number;
}

export interface ConfigReader {
  /** The data of a Secret (decoded) or ConfigMap, or undefined when it does not exist. */
  read(
    kind: "Secret" | "ConfigMap",
    namespace: string,
    name: string,
  ): Promise<Record<string, string> | undefined>;
}

/** The container cannot start yet (a Secret is missing): the kubelet's CreateContainerConfigError. */
export class NotReadyToStart extends GitOpsError {
  override name = "NotReadyToStart";
}

/** `$(VAR)` from env, `$$` for a literal `$`; an unknown `$(VAR)` stays as it is. */
export function expandReferences(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$(\$|\(([A-Za-z_][A-Za-z0-9_.-]*)\))/g,
    (whole, escape: string, name?: string) => {
      if (escape === "$") return "$";
      return name !== undefined && env.has(name) ? (env.get(name) as string) : whole;
    },
  );
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

function fieldValue(fieldPath: string, pod: PodFacts): string {
  const mapKey = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (mapKey) {
    const map = mapKey[1] === "labels" ? pod.labels : pod.annotations;
    return map[mapKey[2] as string] ?? "";
  }
  const values: Record<string, string> = {
    "metadata.name": pod.name,
    "metadata.namespace": pod.namespace,
    "metadata.uid": pod.uid,
    "spec.nodeName": pod.nodeName,
    "spec.serviceAccountName": pod.serviceAccountName,
    "status.hostIP": pod.hostIP,
    "status.hostIPs": pod.hostIP,
    "status.podIP": pod.podIP,
    "status.podIPs": pod.podIP,
  };
  const value = values[fieldPath];
  if (value === undefined) {
    throw new GitOpsError(`fieldRef ${fieldPath} is not one the downward API offers`);
  }
  return value;
}

function resourceValue(
  selector: { resource: string; containerName?: string; divisor?: string | number },
  containers: readonly Container[],
  current: Container,
  node: NodeCapacity,
): string {
  const container = selector.containerName
    ? containers.find((candidate) => candidate.name === selector.containerName)
    : current;
  if (!container) {
    throw new GitOpsError(
      `resourceFieldRef names container ${selector.containerName}, which the pod lacks`,
    );
  }
  const [kind, resource] = selector.resource.split(".") as [string, string | undefined];
  if ((kind !== "limits" && kind !== "requests") || (resource !== "cpu" && resource !== "memory")) {
    throw new GitOpsError(
      `resourceFieldRef ${selector.resource} is not supported here (cpu and memory only)`,
    );
  }
  const set = container.resources?.[kind]?.[resource];
  // The kubelet reports the node's allocatable amount for an unset limit, and 0 for an unset request.
  const capacity = resource === "cpu" ? node.cpus : node.memoryBytes;
  const amount = set === undefined ? (kind === "limits" ? capacity : 0) : parseQuantity(set);
  // The API server stores an unset divisor as "0", which the kubelet reads as 1.
  const divisor = parseQuantity(selector.divisor ?? "1") || 1;
  return String(Math.ceil(amount / divisor));
}

/** The container's environment, in the order the kubelet builds it. */
export async function resolveEnvironment(
  container: Container,
  containers: readonly Container[],
  pod: PodFacts,
  node: NodeCapacity,
  reader: ConfigReader,
): Promise<Map<string, string>> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const [kind, ref] = source.configMapRef
      ? (["ConfigMap", source.configMapRef] as const)
      : source.secretRef
        ? (["Secret", source.secretRef] as const)
        : [undefined, undefined];
    if (!kind || !ref)
      throw new GitOpsError("an envFrom entry names neither a ConfigMap nor a Secret");
    const data = await reader.read(kind, pod.namespace, ref.name);
    if (data === undefined) {
      if (ref.optional) continue;
      throw new NotReadyToStart(`${kind} ${pod.namespace}/${ref.name} (envFrom) does not exist`);
    }
    for (const [key, value] of Object.entries(data)) {
      const name = `${source.prefix ?? ""}${key}`;
      // The kubelet skips keys that are not valid variable names.
      if (ENV_NAME.test(name)) env.set(name, value);
    }
  }
  for (const variable of container.env ?? []) {
    const value = await envValue(variable, env, container, containers, pod, node, reader);
    if (value !== undefined) env.set(variable.name, value);
  }
  return env;
}

async function envValue(
  variable: EnvVar,
  env: ReadonlyMap<string, string>,
  container: Container,
  containers: readonly Container[],
  pod: PodFacts,
  node: NodeCapacity,
  reader: ConfigReader,
): Promise<string | undefined> {
  const from = variable.valueFrom;
  if (!from) return expandReferences(variable.value ?? "", env);
  if (from.fieldRef) return fieldValue(from.fieldRef.fieldPath, pod);
  if (from.resourceFieldRef)
    return resourceValue(from.resourceFieldRef, containers, container, node);
  const [kind, selector] = from.secretKeyRef
    ? (["Secret", from.secretKeyRef] as const)
    : from.configMapKeyRef
      ? (["ConfigMap", from.configMapKeyRef] as const)
      : [undefined, undefined];
  if (!kind || !selector)
    throw new GitOpsError(`env ${variable.name} has a valueFrom this runner does not know`);
  const data = await reader.read(kind, pod.namespace, selector.name);
  const value = data?.[selector.key];
  if (value === undefined && !selector.optional) {
    throw new NotReadyToStart(
      `${kind} ${pod.namespace}/${selector.name} has no key ${selector.key} (env ${variable.name})`,
    );
  }
  return value;
}
