/**
 * Tokens for a Deployment's ServiceAccount from the TokenRequest API, as the kubelet gets them
 * for a pod's projected volume, and when to renew one (at 80% of its life, as the kubelet does).
 */
import type { KubeApi } from "../../kube/api";
import { statusMessage } from "../../kube/api";
import { NotReadyToStart } from "./containerEnv";

export interface ServiceAccountToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** An hour: the kubelet's default for projected tokens. */
const EXPIRATION_SECONDS = 3600;

export async function requestToken(
  api: KubeApi,
  namespace: string,
  serviceAccount: string,
): Promise<ServiceAccountToken> {
  const issuedAt = Date.now();
  const response = await api.post(
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: EXPIRATION_SECONDS },
    },
  );
  const status = (response.body as { status?: { token?: string; expirationTimestamp?: string } })
    ?.status;
  if (response.status !== 201 || !status?.token || !status.expirationTimestamp) {
    throw new NotReadyToStart(
      `no token for ServiceAccount ${namespace}/${serviceAccount}: ${response.status} ${statusMessage(response)}`,
    );
  }
  return { token: status.token, issuedAt, expiresAt: Date.parse(status.expirationTimestamp) };
}

export const needsRenewal = (token: ServiceAccountToken, now = Date.now()): boolean =>
  now >= token.issuedAt + 0.8 * (token.expiresAt - token.issuedAt);
