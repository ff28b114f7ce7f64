/**
 * Kubeconfigs with the certificates inlined, so one file is all kubectl, the controller manager
 * or a test needs, wherever the PEM files end up.
 */
import { stringify } from "yaml";

export const CONTEXT_NAME = "k8s-flux-test";

export interface KubeconfigInput {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  userName: string;
}

function base64(pem: string): string {
  return Buffer.from(pem, "utf8").toString("base64");
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: { server: input.server, "certificate-authority-data": base64(input.caPem) },
      },
    ],
    users: [
      {
        name: input.userName,
        user: {
          "client-certificate-data": base64(input.clientCertPem),
          "client-key-data": base64(input.clientKeyPem),
        },
      },
    ],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: input.userName } }],
    "current-context": CONTEXT_NAME,
    preferences: {},
  });
}
