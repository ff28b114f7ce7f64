/**
 * A read-only client for the cluster the Kubernetes provider would change: its kubeconfig,
 * context and credentials resolved the way the provider resolves them (exec plugins included),
 * and plain GETs over node:https. No dependency, and nothing here reads Pulumi config: the
 * caller says where the kubeconfig comes from.
 */
import { quoted, visibleText } from "../quoting";
import { KubeClientError } from "./errors";
import { runExecPlugin } from "./execCredential";
import { type KubeconfigSource, resolveClusterAccess } from "./kubeconfig";
import { type ApiResponse, type Credentials, getFromApiServer } from "./request";

export { KubeClientError } from "./errors";
export type { KubeconfigSource } from "./kubeconfig";
export type { ApiResponse } from "./request";

export interface KubeConnection {
  /** `context "prod" (server https://...)`, for messages. */
  readonly description: string;
  /** GETs a path of the API; throws a KubeClientError when the server cannot be reached. */
  get(path: string): Promise<ApiResponse>;
}

/**
 * Resolves the context's server and credentials, running its exec plugin once. Throws a
 * KubeClientError naming what is missing or failed; never a credential.
 */
export async function connectToCluster(source: KubeconfigSource): Promise<KubeConnection> {
  const access = resolveClusterAccess(source);
  const description = `context ${quoted(access.contextName)} (server ${visibleText(access.server)}, from ${visibleText(access.origin)})`;
  let credentials: Credentials = access;
  if (access.exec !== undefined) {
    const issued = await runExecPlugin(access.exec, access, source.env);
    // What the plugin issues replaces what the kubeconfig holds, as in client-go.
    credentials = {
      ...(issued.token === undefined ? {} : { token: issued.token }),
      clientCertPem: issued.clientCertPem ?? access.clientCertPem,
      clientKeyPem: issued.clientKeyPem ?? access.clientKeyPem,
    };
  }
  return {
    description,
    async get(path) {
      try {
        return await getFromApiServer(access, credentials, path);
      } catch (error) {
        if (error instanceof KubeClientError) {
          throw new KubeClientError(`${description} cannot be reached: ${error.message}`);
        }
        throw error;
      }
    },
  };
}
