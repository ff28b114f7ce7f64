/**
 * Which of some namespaces exist in the cluster this stack deploys to, and their labels: one
 * GET each, with the kubeconfig, context and credentials the Kubernetes provider uses. A read
 * that changes nothing, made before any resource is registered.
 *
 * Runs without a cluster (the unit tests' mock runtime) replace the lookup, as they replace the
 * providers' answers.
 */
import { homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { isRecord } from "./isRecord";
import { connectToCluster, KubeClientError, type KubeconfigSource } from "./kubeClient";
import { quoted, visibleText } from "./quoting";

export interface ExistingNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The cluster's answer, or why it gave none. */
export type NamespaceAnswer =
  | { readonly answered: true; readonly existing: readonly ExistingNamespace[] }
  | { readonly answered: false; readonly reason: string };

export type NamespaceLookup = (names: readonly string[]) => Promise<NamespaceAnswer>;

/** Where the default Kubernetes provider finds its cluster: its config keys and environment. */
export function providerKubeconfigSource(): KubeconfigSource {
  const config = pulumi.runtime.allConfig();
  const setting = (key: string) => config[`kubernetes:${key}`];
  const kubeconfig = setting("kubeconfig");
  const context = setting("context");
  const cluster = setting("cluster");
  return {
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(context === undefined ? {} : { context }),
    ...(cluster === undefined ? {} : { cluster }),
    env: process.env,
    homeDir: process.env["HOME"] || homedir(),
    cwd: process.cwd(),
  };
}

/** Asks the cluster `source` names about each namespace. */
export async function readNamespaces(
  names: readonly string[],
  source: KubeconfigSource,
): Promise<NamespaceAnswer> {
  if (names.length === 0) return { answered: true, existing: [] };
  try {
    const cluster = await connectToCluster(source);
    const found = await Promise.all(
      names.map(async (name) => {
        const response = await cluster.get(`/api/v1/namespaces/${encodeURIComponent(name)}`);
        return namespaceOf(name, response.status, response.body, cluster.description);
      }),
    );
    return { answered: true, existing: found.filter((namespace) => namespace !== undefined) };
  } catch (error) {
    if (error instanceof KubeClientError) return { answered: false, reason: error.message };
    throw error;
  }
}

/**
 * The namespace from the server's answer: 200 with the object, or 404 with the API server's own
 * NotFound status. Any other answer (a 404 from something that is not an API server, a 403)
 * proves nothing either way, so it is an error, never "absent".
 */
function namespaceOf(
  name: string,
  status: number,
  body: unknown,
  cluster: string,
): ExistingNamespace | undefined {
  if (
    status === 404 &&
    isRecord(body) &&
    body["kind"] === "Status" &&
    body["reason"] === "NotFound"
  ) {
    return undefined;
  }
  const metadata = isRecord(body) && isRecord(body["metadata"]) ? body["metadata"] : undefined;
  if (status === 200 && metadata !== undefined && metadata["name"] === name) {
    const labels = isRecord(metadata["labels"]) ? metadata["labels"] : {};
    return {
      name,
      labels: Object.fromEntries(
        Object.entries(labels).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string",
        ),
      ),
    };
  }
  const message =
    isRecord(body) && typeof body["message"] === "string"
      ? `: ${visibleText(body["message"])}`
      : "";
  const why =
    status === 401
      ? "the server did not accept the context's credentials"
      : status === 403
        ? "the context's user may not get namespaces"
        : "the server did not answer as a Kubernetes API server would";
  throw new KubeClientError(
    `${cluster} answered ${status} when asked for namespace ${quoted(name)}${message}; ${why}`,
  );
}

const askTheCluster: NamespaceLookup = (names) => readNamespaces(names, providerKubeconfigSource());

/**
 * Where a replacement is kept: on the process, like Pulumi's own runtime state, not in this
 * module, so that a test which reloads the program's modules still finds it.
 */
const REPLACEMENT = Symbol.for("k8s-flux.namespaceLookup");
const holder = globalThis as { [REPLACEMENT]?: NamespaceLookup };

/** Asks the cluster, or whatever replaced it, about each namespace. */
export const lookUpNamespaces: NamespaceLookup = (names) =>
  (holder[REPLACEMENT] ?? askTheCluster)(names);

/** For runs without a cluster: answers in its place until replaced again. */
export function replaceNamespaceLookup(replacement: NamespaceLookup): void {
  holder[REPLACEMENT] = replacement;
}
