/**
 * A Kubernetes Secret as the seal command sees it, whichever way it came in: its identity, the
 * metadata the controller copies onto the Secret it creates, and the plaintext values as bytes.
 */
export interface PlainSecret {
  name?: string;
  namespace?: string;
  type?: string;
  immutable?: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Values in input order; stringData already folded in as UTF-8. */
  data: Map<string, Buffer>;
}

/** What Kubernetes accepts as a key of Secret data. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export function isValidSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && key !== "." && key !== "..";
}

/**
 * The most data one Secret may hold: the API server's ValidateSecret (Kubernetes
 * pkg/apis/core/validation/validation.go) adds up len(value) over the Secret's data, after
 * stringData has been folded in, keys not counted, and refuses a total above core.MaxSecretSize
 * (pkg/apis/core/types.go: 1 * 1024 * 1024).
 */
export const MAX_SECRET_DATA_BYTES = 1024 * 1024;
