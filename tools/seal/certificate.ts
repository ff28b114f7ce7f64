/**
 * The sealing certificate: from a PEM file, or from a stack's `sealedSecretsCert` output. Checked
 * here so that a wrong certificate fails before anything is sealed, not when the controller
 * silently ignores a SealedSecret it cannot open.
 */
import { spawnSync } from "node:child_process";
import { X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_OUTPUTS } from "../../stacks/names";
import { fileProblem } from "../problems";
import { InputError } from "./errors";

export const STACK_OUTPUT = STACK_OUTPUTS.sealedSecretsCert;

/** The Pulumi project whose stacks --stack names. */
const PROJECT_DIR = join(__dirname, "..", "..");

/** Clocks drift; a certificate minted by `pulumi up` a moment ago should not be refused. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export interface SealingCertificate {
  publicKey: KeyObject;
  notAfter: Date;
}

/** Parses and checks the first certificate in `pem`; `source` names it in messages. */
export function parseCertificate(
  pem: string,
  source: string,
  now = new Date(),
): SealingCertificate {
  const block = PEM_CERTIFICATE.exec(pem)?.[0];
  if (!block) throw new InputError(`${source} holds no PEM certificate (BEGIN CERTIFICATE)`);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(block);
  } catch (error) {
    throw new InputError(`${source} is not a valid X.509 certificate: ${(error as Error).message}`);
  }
  // rsa-pss keys are RSA too, but the controller's Go x509 parser rejects them.
  const keyType = certificate.publicKey.asymmetricKeyType;
  if (keyType !== "rsa") {
    throw new InputError(
      `${source} holds a ${keyType ?? "non-RSA"} key; Sealed Secrets seals only with an RSA certificate`,
    );
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (now.getTime() > notAfter.getTime()) {
    throw new InputError(
      `${source} expired on ${notAfter.toISOString()}; seal with the stack's current certificate`,
    );
  }
  if (now.getTime() + CLOCK_SKEW_MS < notBefore.getTime()) {
    throw new InputError(
      `${source} is not valid before ${notBefore.toISOString()}; check this machine's clock`,
    );
  }
  return { publicKey: certificate.publicKey, notAfter };
}

export function readCertificateFile(path: string, now = new Date()): SealingCertificate {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read certificate ${path}: ${fileProblem(error)}`);
  }
  return parseCertificate(pem, `certificate ${path}`, now);
}

export interface StackLookup {
  env?: NodeJS.ProcessEnv;
  /** The Pulumi project directory; defaults to this repository. */
  cwd?: string;
}

/** Runs `pulumi stack output sealedSecretsCert --stack NAME` and checks what it returns. */
export function readStackCertificate(
  stack: string,
  lookup: StackLookup = {},
  now = new Date(),
): SealingCertificate {
  const run = spawnSync("pulumi", ["stack", "output", STACK_OUTPUT, "--stack", stack, "--json"], {
    cwd: lookup.cwd ?? PROJECT_DIR,
    env: lookup.env ?? process.env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (run.error) {
    if ((run.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError(
        "the pulumi CLI is not on PATH; install it (https://www.pulumi.com/docs/install/) or pass --cert FILE",
      );
    }
    throw new InputError(`cannot run pulumi: ${run.error.message}`);
  }
  if (run.status !== 0) {
    const problem = lastLine(run.stderr) || `pulumi exited with code ${run.status}`;
    if (/does not have output property/.test(run.stderr)) {
      throw new InputError(
        `stack ${stack} has no ${STACK_OUTPUT} output; run \`pulumi up --stack ${stack}\` first, or pass --cert FILE (${problem})`,
      );
    }
    throw new InputError(`pulumi stack output failed for stack ${stack}: ${problem}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(run.stdout);
  } catch {
    throw new InputError(
      `pulumi printed something other than JSON for stack ${stack}'s ${STACK_OUTPUT}`,
    );
  }
  if (value === "[secret]") {
    throw new InputError(
      `stack ${stack}'s ${STACK_OUTPUT} output is marked secret; run \`pulumi stack output ${STACK_OUTPUT} --show-secrets --stack ${stack} > cert.pem\` and pass --cert cert.pem`,
    );
  }
  if (typeof value !== "string") {
    throw new InputError(`stack ${stack}'s ${STACK_OUTPUT} output is not a string`);
  }
  return parseCertificate(value, `stack ${stack}'s ${STACK_OUTPUT} output`, now);
}

function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines[lines.length - 1] ?? "";
}
