/**
 * The kubeconfig the Kubernetes provider uses, read the way it reads it, down to the one
 * cluster and user of the chosen context. A check made with any other kubeconfig would look at
 * another cluster than the one the program is about to change.
 *
 * Where it comes from, in the provider's order: `kubernetes:kubeconfig` (a path, or else the
 * kubeconfig itself); else the files KUBECONFIG lists, merged as kubectl merges them (the first
 * file to name a cluster, user or context wins, and so does the first current-context); else
 * ~/.kube/config; else, inside a pod, its service account. The context is `kubernetes:context`,
 * else the current context; `kubernetes:cluster` replaces the context's cluster.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import { isRecord } from "../isRecord";
import { quoted, visibleText } from "../quoting";
import { KubeClientError } from "./errors";

/** What decides the kubeconfig: the provider's settings and the program's environment. */
export interface KubeconfigSource {
  /** `kubernetes:kubeconfig`: a path to a kubeconfig, or a kubeconfig's text. */
  readonly kubeconfig?: string;
  /** `kubernetes:context`. */
  readonly context?: string;
  /** `kubernetes:cluster`. */
  readonly cluster?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly cwd: string;
}

/** An exec credential plugin, as the user entry names it (`aws eks get-token`). */
export interface ExecPlugin {
  readonly apiVersion: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly installHint?: string;
  readonly provideClusterInfo: boolean;
}

/** How to reach the API server of the chosen context, and as whom. */
export interface ClusterAccess {
  /** For messages: the context's name, or how the cluster was found without one. */
  readonly contextName: string;
  /** For messages: where the kubeconfig came from. */
  readonly origin: string;
  readonly server: string;
  readonly caPem?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  readonly token?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly exec?: ExecPlugin;
}

/** The kubeconfig cannot be read or lacks what the chosen context needs. */
export class KubeconfigError extends KubeClientError {}

/** The exec credential API versions client-go still serves. */
export const EXEC_API_VERSIONS = [
  "client.authentication.k8s.io/v1",
  "client.authentication.k8s.io/v1beta1",
] as const;

/** An entry of a kubeconfig's list, with the directory relative paths in it start from. */
interface Entry {
  readonly fields: Record<string, unknown>;
  readonly baseDir: string;
}

interface MergedKubeconfig {
  readonly origin: string;
  readonly clusters: Map<string, Entry>;
  readonly users: Map<string, Entry>;
  readonly contexts: Map<string, Entry>;
  readonly currentContext?: string;
}

/** Where a pod finds its service account, as client-go's in-cluster config does. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The access of the chosen context, with every file it names read. */
export function resolveClusterAccess(source: KubeconfigSource): ClusterAccess {
  const merged = loadKubeconfig(source);
  if (merged === undefined) return inClusterAccess(source);
  const contextName = nonEmpty(source.context) ?? merged.currentContext;
  if (contextName === undefined) {
    throw new KubeconfigError(
      `${merged.origin} has no current-context, and kubernetes:context is not set; expected one of them to name a context`,
    );
  }
  const context = merged.contexts.get(contextName);
  if (context === undefined) {
    throw new KubeconfigError(
      `context ${quoted(contextName)} is not in ${merged.origin}; its contexts are ${namesOf(merged.contexts)}`,
    );
  }
  const clusterName = nonEmpty(source.cluster) ?? text(context.fields, "cluster");
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (clusterName === undefined || cluster === undefined) {
    throw new KubeconfigError(
      `context ${quoted(contextName)} names cluster ${quoted(clusterName ?? "")}, which is not in ${merged.origin}; its clusters are ${namesOf(merged.clusters)}`,
    );
  }
  const userName = text(context.fields, "user");
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && user === undefined) {
    throw new KubeconfigError(
      `context ${quoted(contextName)} names user ${quoted(userName)}, which is not in ${merged.origin}`,
    );
  }
  const server = text(cluster.fields, "server");
  if (server === undefined) {
    throw new KubeconfigError(
      `cluster ${quoted(clusterName)} in ${merged.origin} has no server address`,
    );
  }
  return {
    contextName,
    origin: merged.origin,
    server,
    ...clusterTls(cluster, clusterName),
    ...(user === undefined ? {} : userCredentials(user, userName ?? "")),
  };
}

function loadKubeconfig(source: KubeconfigSource): MergedKubeconfig | undefined {
  const configured = nonEmpty(source.kubeconfig);
  if (configured !== undefined) {
    const path = expandHome(configured, source.homeDir);
    const fullPath = resolve(source.cwd, path);
    // As the provider decides: a path when such a file exists, else the kubeconfig itself. It
    // loads either without resolving relative paths, so they start from the working directory.
    const isFile = existsSync(fullPath) && statSync(fullPath).isFile();
    const origin = isFile
      ? `kubernetes:kubeconfig (${path})`
      : "the kubeconfig in kubernetes:kubeconfig";
    const contents = isFile ? readFileSync(fullPath, "utf8") : configured;
    return merge(origin, [{ document: parseKubeconfig(contents, origin), baseDir: source.cwd }]);
  }
  const listed = nonEmpty(source.env["KUBECONFIG"]);
  const paths = listed
    ? [...new Set(listed.split(delimiter).filter((path) => path !== ""))]
    : [join(source.homeDir, ".kube", "config")];
  const found = paths
    .map((path) => resolve(source.cwd, path))
    .filter((path) => existsSync(path) && statSync(path).isFile());
  if (found.length === 0) return undefined;
  const origin = listed ? `KUBECONFIG (${found.join(delimiter)})` : found.join(delimiter);
  return merge(
    origin,
    found.map((path) => ({
      document: parseKubeconfig(readFileSync(path, "utf8"), path),
      baseDir: dirname(path),
    })),
  );
}

function parseKubeconfig(contents: string, origin: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parse(contents);
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    throw new KubeconfigError(`${origin} is not a readable kubeconfig: ${reason}`);
  }
  if (document === null || document === undefined) return {};
  if (!isRecord(document)) {
    throw new KubeconfigError(`${origin} is not a kubeconfig: expected a YAML mapping`);
  }
  return document;
}

/** kubectl's merge: the first file to name an entry, or to set current-context, wins. */
function merge(
  origin: string,
  files: readonly { readonly document: Record<string, unknown>; readonly baseDir: string }[],
): MergedKubeconfig {
  const clusters = new Map<string, Entry>();
  const users = new Map<string, Entry>();
  const contexts = new Map<string, Entry>();
  let currentContext: string | undefined;
  for (const { document, baseDir } of files) {
    addEntries(clusters, document["clusters"], "cluster", baseDir);
    addEntries(users, document["users"], "user", baseDir);
    addEntries(contexts, document["contexts"], "context", baseDir);
    currentContext ??= text(document, "current-context");
  }
  return { origin, clusters, users, contexts, ...(currentContext ? { currentContext } : {}) };
}

function addEntries(into: Map<string, Entry>, list: unknown, field: string, baseDir: string) {
  if (!Array.isArray(list)) return;
  for (const item of list) {
    if (!isRecord(item)) continue;
    const name = text(item, "name");
    const fields = item[field];
    if (name === undefined || into.has(name)) continue;
    into.set(name, { fields: isRecord(fields) ? fields : {}, baseDir });
  }
}

function clusterTls(cluster: Entry, name: string) {
  const where = `cluster ${quoted(name)}`;
  const caPem = dataOrFile(cluster, "certificate-authority-data", "certificate-authority", where);
  const tlsServerName = text(cluster.fields, "tls-server-name");
  const proxyUrl = text(cluster.fields, "proxy-url");
  return {
    insecureSkipTlsVerify: cluster.fields["insecure-skip-tls-verify"] === true,
    ...(caPem === undefined ? {} : { caPem }),
    ...(tlsServerName === undefined ? {} : { tlsServerName }),
    ...(proxyUrl === undefined ? {} : { proxyUrl }),
  };
}

function userCredentials(user: Entry, name: string) {
  const where = `user ${quoted(name)}`;
  const clientCertPem = dataOrFile(user, "client-certificate-data", "client-certificate", where);
  const clientKeyPem = dataOrFile(user, "client-key-data", "client-key", where);
  const token = tokenOf(user, where);
  const username = text(user.fields, "username");
  const password = text(user.fields, "password");
  const exec = execPlugin(user, where);
  const authProvider = user.fields["auth-provider"];
  if (authProvider !== undefined && token === undefined && exec === undefined) {
    const providerName = isRecord(authProvider) ? text(authProvider, "name") : undefined;
    throw new KubeconfigError(
      `${where} authenticates with auth-provider ${quoted(providerName ?? "")}, which this check does not support (kubectl has replaced auth providers with exec plugins); expected an exec plugin, a token or a client certificate`,
    );
  }
  return {
    ...(clientCertPem === undefined ? {} : { clientCertPem }),
    ...(clientKeyPem === undefined ? {} : { clientKeyPem }),
    ...(token === undefined ? {} : { token }),
    ...(username !== undefined && password !== undefined
      ? { basicAuth: { username, password } }
      : {}),
    ...(exec === undefined ? {} : { exec }),
  };
}

/** The token; a readable tokenFile wins over it, as in client-go. */
function tokenOf(user: Entry, where: string): string | undefined {
  const tokenFile = text(user.fields, "tokenFile");
  if (tokenFile !== undefined) {
    const path = resolve(user.baseDir, tokenFile);
    try {
      return readFileSync(path, "utf8").trim();
    } catch {
      if (text(user.fields, "token") === undefined) {
        throw new KubeconfigError(`${where}: its tokenFile ${visibleText(path)} cannot be read`);
      }
    }
  }
  return text(user.fields, "token");
}

function execPlugin(user: Entry, where: string): ExecPlugin | undefined {
  const exec = user.fields["exec"];
  if (exec === undefined || exec === null) return undefined;
  const apiVersion = isRecord(exec) ? text(exec, "apiVersion") : undefined;
  const command = isRecord(exec) ? text(exec, "command") : undefined;
  if (!isRecord(exec) || command === undefined) {
    throw new KubeconfigError(`${where}: its exec plugin names no command`);
  }
  if (!(EXEC_API_VERSIONS as readonly (string | undefined)[]).includes(apiVersion)) {
    throw new KubeconfigError(
      `${where}: its exec plugin's apiVersion ${quoted(apiVersion ?? "")} is not supported; expected one of ${EXEC_API_VERSIONS.join(", ")}`,
    );
  }
  const args = Array.isArray(exec["args"]) ? exec["args"].map(String) : [];
  const env = Array.isArray(exec["env"])
    ? exec["env"].filter(isRecord).map((variable) => ({
        name: String(variable["name"] ?? ""),
        value: String(variable["value"] ?? ""),
      }))
    : [];
  const installHint = text(exec, "installHint");
  return {
    apiVersion: apiVersion ?? "",
    // A relative command with a directory in it starts from the kubeconfig's directory.
    command:
      command.includes("/") && !isAbsolute(command) ? resolve(user.baseDir, command) : command,
    args,
    env,
    ...(installHint === undefined ? {} : { installHint }),
    provideClusterInfo: exec["provideClusterInfo"] === true,
  };
}

/** A PEM given inline (base64) or as a file; inline wins, as in client-go. */
function dataOrFile(entry: Entry, dataField: string, fileField: string, where: string) {
  const data = text(entry.fields, dataField);
  if (data !== undefined) return Buffer.from(data, "base64").toString("utf8");
  const file = text(entry.fields, fileField);
  if (file === undefined) return undefined;
  const path = resolve(entry.baseDir, file);
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new KubeconfigError(`${where}: its ${fileField} ${path} cannot be read`);
  }
}

/** A pod's own service account, when no kubeconfig exists, as client-go falls back to it. */
function inClusterAccess(source: KubeconfigSource): ClusterAccess {
  const host = nonEmpty(source.env["KUBERNETES_SERVICE_HOST"]);
  const port = nonEmpty(source.env["KUBERNETES_SERVICE_PORT"]);
  const tokenPath = join(SERVICE_ACCOUNT_DIR, "token");
  if (host === undefined || port === undefined || !existsSync(tokenPath)) {
    throw new KubeconfigError(
      `no kubeconfig found: kubernetes:kubeconfig is not set, and neither ${source.env["KUBECONFIG"] ? "any file KUBECONFIG lists" : join(source.homeDir, ".kube", "config")} exists; expected the kubeconfig of the cluster this stack deploys to`,
    );
  }
  const caPath = join(SERVICE_ACCOUNT_DIR, "ca.crt");
  return {
    contextName: "in-cluster",
    origin: "this pod's service account",
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    insecureSkipTlsVerify: false,
    ...(existsSync(caPath) ? { caPem: readFileSync(caPath, "utf8") } : {}),
    token: readFileSync(tokenPath, "utf8").trim(),
  };
}

/** `~` as the provider expands it in `kubernetes:kubeconfig`; a shell would have, elsewhere. */
function expandHome(path: string, homeDir: string): string {
  if (path === "~") return homeDir;
  return path.startsWith("~/") ? join(homeDir, path.slice(2)) : path;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value;

function text(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

const namesOf = (entries: Map<string, Entry>): string =>
  entries.size === 0 ? "none" : [...entries.keys()].map((name) => quoted(name)).join(", ");
