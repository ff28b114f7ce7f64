/**
 * Kubeconfigs: reading the admin one the runner is given (certificates inline or as files), and
 * writing the one each program gets, which names the ServiceAccount's token by file so a refreshed
 * token is picked up (client-go re-reads tokenFile). It is written as JSON, which is YAML.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import type { KubeAccess } from "../../kube/api";
import { GitOpsError } from "../errors";

interface NamedEntry<T> {
  name: string;
  [field: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, string | undefined>;

export function readAdminKubeconfig(path: string): KubeAccess {
  const config = parse(readFileSync(path, "utf8")) as {
    "current-context"?: string;
    contexts?: NamedEntry<Fields>[];
    clusters?: NamedEntry<Fields>[];
    users?: NamedEntry<Fields>[];
  };
  const context = config.contexts?.find(
    (entry) => entry.name === config["current-context"],
  )?.context;
  const cluster = config.clusters?.find((entry) => entry.name === context?.cluster)?.cluster;
  const user = config.users?.find((entry) => entry.name === context?.user)?.user;
  const pem = (fields: Fields | undefined, key: string): string | undefined => {
    const inline = fields?.[`${key}-data`];
    if (inline) return Buffer.from(inline, "base64").toString("utf8");
    const file = fields?.[key];
    return file ? readFileSync(resolve(dirname(path), file), "utf8") : undefined;
  };
  const server = cluster?.server;
  const caPem = pem(cluster, "certificate-authority");
  const adminCertPem = pem(user, "client-certificate");
  const adminKeyPem = pem(user, "client-key");
  if (!server || !caPem || !adminCertPem || !adminKeyPem) {
    throw new GitOpsError(
      `${path}: the current context needs a server, its CA and a client certificate and key (the admin kubeconfig of \`npm run cluster:up\`)`,
    );
  }
  return { server, caPem, adminCertPem, adminKeyPem, version: "" };
}

export function tokenKubeconfig(input: {
  server: string;
  caPem: string;
  tokenFile: string;
  namespace: string;
  user: string;
}): string {
  const name = "local";
  return `${JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name,
          cluster: {
            server: input.server,
            "certificate-authority-data": Buffer.from(input.caPem).toString("base64"),
          },
        },
      ],
      users: [{ name: input.user, user: { tokenFile: input.tokenFile } }],
      contexts: [
        { name, context: { cluster: name, user: input.user, namespace: input.namespace } },
      ],
      "current-context": name,
    },
    null,
    2,
  )}\n`;
}
