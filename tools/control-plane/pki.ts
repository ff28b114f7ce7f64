/**
 * The throwaway certificates of one control plane: a CA, serving certificates for the API server
 * and the controller manager, client certificates for the admin and the controller manager, and
 * the service-account signing key pair. Node's crypto makes keys but not X.509 certificates, so
 * the certificates come from openssl (3.0 or newer, for `req -CA`).
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { ControlPlaneError } from "./errors";

const run = promisify(execFile);

/** The first address of --service-cluster-ip-range, where the `kubernetes` Service lives. */
export const SERVICE_CLUSTER_IP_RANGE = "10.0.0.0/24";
export const KUBERNETES_SERVICE_IP = "10.0.0.1";
export const CLUSTER_DOMAIN = "cluster.local";

const VALID_DAYS = 30;

export interface CertificateSpec {
  /** File name stem: <name>.crt and <name>.key. */
  name: string;
  commonName: string;
  organization?: string;
  usage: "ca" | "server" | "client";
  dnsNames?: string[];
  ipAddresses?: string[];
}

export const CA: CertificateSpec = { name: "ca", commonName: "k8s-flux-test-ca", usage: "ca" };

/** Every certificate signed by the CA, in the order they are made. */
export const LEAF_CERTIFICATES: readonly CertificateSpec[] = [
  {
    name: "apiserver",
    commonName: "kube-apiserver",
    usage: "server",
    dnsNames: [
      "localhost",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      `kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    ],
    ipAddresses: ["127.0.0.1", KUBERNETES_SERVICE_IP],
  },
  {
    name: "admin",
    commonName: "kubernetes-admin",
    // The group RBAC binds to cluster-admin from the start, with no binding of ours.
    organization: "system:masters",
    usage: "client",
  },
  {
    // The user the bootstrap RBAC policy grants the controller manager's own permissions to.
    name: "controller-manager-client",
    commonName: "system:kube-controller-manager",
    usage: "client",
  },
  {
    name: "controller-manager-serving",
    commonName: "kube-controller-manager",
    usage: "server",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  },
];

/** An openssl `req` config that makes exactly the extensions we ask for and none of the defaults. */
export function opensslConfig(spec: CertificateSpec): string {
  const subject = [
    ...(spec.organization ? [`O = ${spec.organization}`] : []),
    `CN = ${spec.commonName}`,
  ];
  const extensions =
    spec.usage === "ca"
      ? ["basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, cRLSign"]
      : [
          "basicConstraints = critical, CA:FALSE",
          "keyUsage = critical, digitalSignature",
          `extendedKeyUsage = ${spec.usage === "server" ? "serverAuth" : "clientAuth"}`,
          "authorityKeyIdentifier = keyid",
        ];
  const altNames = [
    ...(spec.dnsNames ?? []).map((name) => `DNS:${name}`),
    ...(spec.ipAddresses ?? []).map((ip) => `IP:${ip}`),
  ];
  if (altNames.length > 0) extensions.push(`subjectAltName = ${altNames.join(", ")}`);
  extensions.push("subjectKeyIdentifier = hash");
  return [
    "[req]",
    "prompt = no",
    "distinguished_name = subject",
    "x509_extensions = extensions",
    "[subject]",
    ...subject,
    "[extensions]",
    ...extensions,
    "",
  ].join("\n");
}

export function opensslArgs(spec: CertificateSpec, pkiDir: string): string[] {
  const file = (suffix: string): string => join(pkiDir, `${spec.name}.${suffix}`);
  const signing =
    spec.usage === "ca" ? [] : ["-CA", join(pkiDir, "ca.crt"), "-CAkey", join(pkiDir, "ca.key")];
  return [
    "req",
    "-x509",
    "-new",
    "-config",
    file("cnf"),
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    file("key"),
    "-out",
    file("crt"),
    "-days",
    String(VALID_DAYS),
    ...signing,
  ];
}

export interface PkiFiles {
  dir: string;
  caCert: string;
  caKey: string;
  cert(name: string): string;
  key(name: string): string;
  serviceAccountPrivateKey: string;
  serviceAccountPublicKey: string;
}

export function pkiFiles(dir: string): PkiFiles {
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    cert: (name) => join(dir, `${name}.crt`),
    key: (name) => join(dir, `${name}.key`),
    serviceAccountPrivateKey: join(dir, "service-account.key"),
    serviceAccountPublicKey: join(dir, "service-account.pub"),
  };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === "ENOENT") {
      throw new ControlPlaneError(
        "openssl is not installed or not on PATH; install OpenSSL 3 (Debian/Ubuntu: apt-get install openssl) and run again",
      );
    }
    const detail = (failure.stderr ?? failure.message).trim().split("\n")[0];
    throw new ControlPlaneError(
      `openssl ${args[0]} failed (OpenSSL 3.0 or newer is needed): ${detail}`,
    );
  }
}

export async function createPki(dir: string): Promise<PkiFiles> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const spec of [CA, ...LEAF_CERTIFICATES]) {
    writeFileSync(join(dir, `${spec.name}.cnf`), opensslConfig(spec));
    await openssl(opensslArgs(spec, dir));
  }
  const files = pkiFiles(dir);
  // The API server signs service-account tokens with this key and the controller manager
  // signs the legacy token Secrets; RSA is what every token consumer accepts.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  writeFileSync(files.serviceAccountPrivateKey, privateKey, { mode: 0o600 });
  writeFileSync(files.serviceAccountPublicKey, publicKey);
  return files;
}

export function readPem(path: string): string {
  return readFileSync(path, "utf8");
}
