import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DEFAULT_SEALING_KEY } from "./defaults";

/** The label the controller finds its keys by; every key so labelled decrypts. */
export const SEALING_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

const KEY_BITS = 4096;
const CERTIFICATE_VALIDITY_HOURS = 10 * 365 * 24;

export interface SealingKeyRequest {
  /** The key's name, and its Secret's name in the controller's namespace. */
  readonly name: string;
  /**
   * Being removed: this run lifts its protection and takes it from the controller, and the next
   * run, no longer declaring it, deletes it from state and from the cluster.
   */
  readonly retiring: boolean;
}

export interface SealingKeyPair {
  readonly name: string;
  readonly retiring: boolean;
  /** PEM; public. */
  readonly certificate: pulumi.Output<string>;
  /** PEM; always a Pulumi secret. */
  readonly privateKey: pulumi.Output<string>;
  /** When the certificate starts to be valid (RFC 3339): the controller seals with the newest. */
  readonly validFrom: pulumi.Output<string | undefined>;
  readonly secret: k8s.core.v1.Secret;
}

/** Pulumi resource names; the default key keeps the names it had before keys had names. */
function resourceNames(component: string, keyName: string) {
  if (keyName === DEFAULT_SEALING_KEY) {
    return {
      key: `${component}-key`,
      certificate: `${component}-certificate`,
      secret: `${component}-key-secret`,
    };
  }
  const prefix = `${component}-keys-${keyName}`;
  return {
    key: `${prefix}-private`,
    certificate: `${prefix}-certificate`,
    secret: `${prefix}-secret`,
  };
}

/**
 * One sealing key pair owned by Pulumi state and handed to the controller as a
 * `kubernetes.io/tls` Secret labelled active.
 */
export function createSealingKey(
  component: string,
  request: SealingKeyRequest,
  secretArgs: { namespace: string; labels: Record<string, string> },
  parent: pulumi.Resource,
): SealingKeyPair {
  const names = resourceNames(component, request.name);
  // Losing a key makes every SealedSecret sealed with it undecryptable, so neither a destroy nor
  // a rename may delete it; only an explicit removal (`retiring`) lifts that.
  const protect = !request.retiring;
  const key = new tls.PrivateKey(
    names.key,
    { algorithm: "RSA", rsaBits: KEY_BITS },
    { parent, protect },
  );
  const certificate = new tls.SelfSignedCert(
    names.certificate,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "sealed-secret", organization: "sealed-secret" },
      validityPeriodHours: CERTIFICATE_VALIDITY_HOURS,
      allowedUses: ["key_encipherment", "data_encipherment", "digital_signature"],
    },
    { parent, protect },
  );
  const privateKey = pulumi.secret(key.privateKeyPem);
  const secret = new k8s.core.v1.Secret(
    names.secret,
    {
      metadata: {
        name: request.name,
        namespace: secretArgs.namespace,
        // The controller loads only keys labelled active: a retiring key is dropped from it
        // in the first run, before the second deletes the key itself.
        labels: {
          ...secretArgs.labels,
          [SEALING_KEY_LABEL]: request.retiring ? "retiring" : "active",
        },
      },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": certificate.certPem, "tls.key": privateKey },
    },
    // Stays in the cluster if the stack lets go of it, so running SealedSecrets keep working;
    // a key being removed on purpose goes with its state.
    { parent, retainOnDelete: !request.retiring },
  );
  return {
    name: request.name,
    retiring: request.retiring,
    certificate: certificate.certPem,
    privateKey,
    validFrom: certificate.validityStartTime,
    secret,
  };
}

/**
 * The certificate the controller seals with: the one that became valid last (its default
 * `--key-order-priority` is CertNotBefore); on a tie, the later key in the list.
 */
export function newestCertificate(
  candidates: readonly { certificate: string; validFrom: string | undefined }[],
): string {
  const first = candidates[0];
  if (first === undefined) throw new Error("newestCertificate needs at least one certificate");
  const time = (validFrom: string | undefined): number =>
    validFrom === undefined ? Number.NEGATIVE_INFINITY : Date.parse(validFrom);
  return candidates.reduce((newest, candidate) =>
    time(candidate.validFrom) >= time(newest.validFrom) ? candidate : newest,
  ).certificate;
}
