/**
 * The sealing format the Sealed Secrets controller decrypts. Per value: a fresh 32-byte AES key
 * seals the bytes with AES-256-GCM (all-zero 12-byte nonce, which is safe because each key seals
 * exactly one value), and RSA-OAEP with SHA-256 (MGF1 with SHA-256 too) and the scope's label
 * wraps that key. The value is
 *   uint16 big-endian length of the RSA ciphertext || RSA ciphertext || GCM ciphertext || GCM tag
 * in standard base64.
 */
import {
  constants,
  createCipheriv,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from "node:crypto";
import { encryptionLabel, withScopeAnnotations, type Scope } from "./scope";
import type { PlainSecret } from "./secret";

export const SEALED_SECRET_API_VERSION = "bitnami.com/v1alpha1";
export const SEALED_SECRET_KIND = "SealedSecret";

const SESSION_KEY_BYTES = 32;
const GCM_NONCE = Buffer.alloc(12);
const GCM_TAG_BYTES = 16;
const LENGTH_PREFIX_BYTES = 2;

/** Annotations kubectl and kubecfg fill with the whole object, values in clear. */
const LAST_APPLIED_ANNOTATIONS = [
  "kubectl.kubernetes.io/last-applied-configuration",
  "kubecfg.ksonnet.io/last-applied-configuration",
];

export interface SealingTarget {
  /** The sealing certificate (PEM) or its public key. */
  publicKey: KeyObject | string;
  scope: Scope;
  /** May be empty for cluster-wide scope. */
  namespace: string;
  /** May be empty for namespace-wide and cluster-wide scope. */
  name: string;
}

/** Seals one value for the target; the result goes into `spec.encryptedData`. */
export function sealValue(target: SealingTarget, value: Buffer): string {
  const publicKey =
    typeof target.publicKey === "string" ? createPublicKey(target.publicKey) : target.publicKey;
  const sessionKey = randomBytes(SESSION_KEY_BYTES);
  const label = encryptionLabel(target.scope, target.namespace, target.name);
  const wrappedKey = publicEncrypt(
    {
      key: publicKey,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: "sha256",
      oaepLabel: label,
    },
    sessionKey,
  );
  const cipher = createCipheriv("aes-256-gcm", sessionKey, GCM_NONCE);
  const sealed = Buffer.concat([cipher.update(value), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(LENGTH_PREFIX_BYTES);
  length.writeUInt16BE(wrappedKey.length);
  return Buffer.concat([length, wrappedKey, sealed]).toString("base64");
}

/**
 * How many bytes a sealed value opens to, or undefined if it lacks the layout above. GCM
 * ciphertext is exactly as long as the plaintext, so sealing hides the bytes but not their number.
 */
export function sealedValueLength(sealed: string): number | undefined {
  const bytes = Buffer.from(sealed, "base64");
  if (bytes.length < LENGTH_PREFIX_BYTES) return undefined;
  const length = bytes.length - LENGTH_PREFIX_BYTES - bytes.readUInt16BE(0) - GCM_TAG_BYTES;
  return length >= 0 ? length : undefined;
}

export interface ObjectMetadata {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface SealedSecretManifest {
  apiVersion: typeof SEALED_SECRET_API_VERSION;
  kind: typeof SEALED_SECRET_KIND;
  metadata: ObjectMetadata;
  spec: {
    encryptedData: Record<string, string>;
    template: {
      metadata: ObjectMetadata;
      type?: string;
      immutable?: boolean;
    };
  };
}

/**
 * Seals every value of the Secret. As kubeseal does, the SealedSecret's own metadata carries only
 * the scope annotations (the controller reads the label from there), while the template carries
 * the Secret's labels, annotations, type and immutability, minus the last-applied copies that
 * would leak the values.
 */
export function buildSealedSecret(
  secret: PlainSecret,
  target: Omit<SealingTarget, "name" | "namespace">,
): SealedSecretManifest {
  const name = secret.name ?? "";
  const namespace = secret.namespace ?? "";
  const publicKey =
    typeof target.publicKey === "string" ? createPublicKey(target.publicKey) : target.publicKey;
  const encryptedData: Record<string, string> = {};
  for (const [key, value] of [...secret.data].sort(([a], [b]) => (a < b ? -1 : 1))) {
    encryptedData[key] = sealValue({ publicKey, scope: target.scope, namespace, name }, value);
  }

  const templateAnnotations = Object.fromEntries(
    Object.entries(withScopeAnnotations(secret.annotations, target.scope)).filter(
      ([key]) => !LAST_APPLIED_ANNOTATIONS.includes(key),
    ),
  );
  const scopeAnnotations = withScopeAnnotations({}, target.scope);

  return {
    apiVersion: SEALED_SECRET_API_VERSION,
    kind: SEALED_SECRET_KIND,
    metadata: identity(name, namespace, {}, scopeAnnotations),
    spec: {
      encryptedData,
      template: {
        metadata: identity(name, namespace, secret.labels, templateAnnotations),
        ...(secret.type === undefined ? {} : { type: secret.type }),
        ...(secret.immutable === undefined ? {} : { immutable: secret.immutable }),
      },
    },
  };
}

function identity(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): ObjectMetadata {
  return {
    name,
    ...(namespace === "" ? {} : { namespace }),
    ...(Object.keys(labels).length === 0 ? {} : { labels }),
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
}
