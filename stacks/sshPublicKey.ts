/**
 * Checks that an SSH public key, as a known_hosts line writes it (`<type> <base64>`), is a key of
 * the type it declares. The base64 blob is the key in SSH wire format (RFC 4253 section 6.6,
 * RFC 5656 section 3.1, RFC 8709 section 4, and OpenSSH's PROTOCOL.u2f for the `sk-` types):
 * length-prefixed fields, the first of which repeats the type. A blob that is not such a key
 * would make every connection to the host fail its host key check, long after `pulumi up`.
 */
import { createPublicKey } from "node:crypto";
import { quoted } from "./quoting";

/** The curve each ECDSA type names in its second field, with its JWK name and field size. */
const ECDSA_CURVES = {
  nistp256: { jwk: "P-256", bytes: 32 },
  nistp384: { jwk: "P-384", bytes: 48 },
  nistp521: { jwk: "P-521", bytes: 66 },
} as const;
type EcdsaCurve = keyof typeof ECDSA_CURVES;

const ED25519_KEY_BYTES = 32;
/** OpenSSH refuses RSA keys below this size (SSH_RSA_MINIMUM_MODULUS_SIZE). */
const RSA_MINIMUM_BITS = 1024;

/** The fields after the type, by key type. `sk-` keys end with the security key's application. */
const KEY_TYPES: Readonly<Record<string, readonly ("ed25519" | EcdsaCurve | "rsa" | "sk")[]>> = {
  "ssh-ed25519": ["ed25519"],
  "ssh-rsa": ["rsa"],
  "ecdsa-sha2-nistp256": ["nistp256"],
  "ecdsa-sha2-nistp384": ["nistp384"],
  "ecdsa-sha2-nistp521": ["nistp521"],
  "sk-ssh-ed25519@openssh.com": ["ed25519", "sk"],
  "sk-ecdsa-sha2-nistp256@openssh.com": ["nistp256", "sk"],
};

/** The host key types known_hosts lines may declare. */
export const HOST_KEY_TYPES: readonly string[] = Object.keys(KEY_TYPES);

/** Reads length-prefixed fields from a wire-format blob; undefined when the blob runs out. */
class WireReader {
  private offset = 0;
  constructor(private readonly blob: Buffer) {}

  field(): Buffer | undefined {
    if (this.offset + 4 > this.blob.length) return undefined;
    const length = this.blob.readUInt32BE(this.offset);
    const end = this.offset + 4 + length;
    if (end > this.blob.length) return undefined;
    const value = this.blob.subarray(this.offset + 4, end);
    this.offset = end;
    return value;
  }

  get remaining(): number {
    return this.blob.length - this.offset;
  }
}

/** A positive mpint in its one valid encoding: no needless leading zero byte, top bit clear. */
function positiveMpint(value: Buffer): Buffer | undefined {
  const first = value[0];
  if (first === undefined || (first & 0x80) !== 0) return undefined;
  if (first === 0 && (value.length === 1 || ((value[1] ?? 0) & 0x80) === 0)) return undefined;
  return first === 0 ? value.subarray(1) : value;
}

function rsaProblem(reader: WireReader): string | undefined {
  const exponentField = reader.field();
  const modulusField = reader.field();
  if (exponentField === undefined || modulusField === undefined) {
    return "its RSA exponent and modulus are cut short";
  }
  const exponent = positiveMpint(exponentField);
  const modulus = positiveMpint(modulusField);
  if (exponent === undefined || modulus === undefined) {
    return "its RSA exponent or modulus is not a positive number";
  }
  const bits = (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0] ?? 0));
  if (bits < RSA_MINIMUM_BITS) {
    return `its RSA modulus has ${bits} bits; OpenSSH refuses fewer than ${RSA_MINIMUM_BITS}`;
  }
  try {
    createPublicKey({
      key: { kty: "RSA", n: modulus.toString("base64url"), e: exponent.toString("base64url") },
      format: "jwk",
    });
  } catch {
    return "its RSA exponent and modulus are not an RSA key";
  }
  return undefined;
}

function ecdsaProblem(reader: WireReader, curve: EcdsaCurve): string | undefined {
  const named = reader.field()?.toString("latin1");
  if (named !== curve) {
    return `it names curve ${quoted(named ?? "")}; expected ${curve}`;
  }
  const point = reader.field();
  const { jwk, bytes } = ECDSA_CURVES[curve];
  // Uncompressed point: 0x04, then x and y of the curve's field size each.
  if (point === undefined || point.length !== 1 + 2 * bytes || point[0] !== 0x04) {
    return `its point is not an uncompressed ${curve} point`;
  }
  try {
    createPublicKey({
      key: {
        kty: "EC",
        crv: jwk,
        x: point.subarray(1, 1 + bytes).toString("base64url"),
        y: point.subarray(1 + bytes).toString("base64url"),
      },
      format: "jwk",
    });
  } catch {
    return `its point is not on curve ${curve}`;
  }
  return undefined;
}

/**
 * Why the base64 key does not decode as a key of the declared type, or undefined when it does.
 * The type must be one of HOST_KEY_TYPES.
 */
export function sshPublicKeyProblem(declaredType: string, base64: string): string | undefined {
  const fields = Object.hasOwn(KEY_TYPES, declaredType) ? KEY_TYPES[declaredType] : undefined;
  if (fields === undefined) {
    return `key type ${quoted(declaredType)} is not a host key type; expected one of ${HOST_KEY_TYPES.join(", ")}`;
  }
  const blob = Buffer.from(base64, "base64");
  // Buffer.from skips what is not base64; only a blob that encodes back to the text is one.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || blob.toString("base64") !== base64) {
    return "its key is not base64";
  }
  const reader = new WireReader(blob);
  const type = reader.field()?.toString("latin1");
  if (type !== declaredType) {
    return type === undefined
      ? "its key is too short to be an SSH key"
      : `its key is a ${quoted(type)} key, not ${declaredType}`;
  }
  for (const part of fields) {
    let problem: string | undefined;
    if (part === "ed25519") {
      const key = reader.field();
      problem =
        key?.length === ED25519_KEY_BYTES
          ? undefined
          : `its Ed25519 key is ${key?.length ?? 0} bytes; expected ${ED25519_KEY_BYTES}`;
    } else if (part === "rsa") {
      problem = rsaProblem(reader);
    } else if (part === "sk") {
      problem =
        reader.field() === undefined ? "its security key application is missing" : undefined;
    } else {
      problem = ecdsaProblem(reader, part);
    }
    if (problem !== undefined) return problem;
  }
  if (reader.remaining > 0) {
    return `its key has ${reader.remaining} bytes after the ${declaredType} key`;
  }
  return undefined;
}
