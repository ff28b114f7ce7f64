/**
 * The seal command from flags to output: read the Secret, settle its name, namespace and scope
 * (from the file being merged into, if any), check everything, and only then seal and write, so
 * a failure leaves nothing behind. Runs in-process with injected I/O so tests need no subprocess.
 */
import { quoted, visibleText } from "../../components/shared/quotedText";
import { EXIT_USAGE, UsageError } from "../cliArgs";
import { parseSealArgs, USAGE, type SealOptions } from "./args";
import { readCertificateFile, readStackCertificate, type SealingCertificate } from "./certificate";
import { EXIT_BAD_INPUT, EXIT_OK, InputError } from "./errors";
import { parseSecretManifest, secretFromFlags } from "./input";
import { mergeSealedSecret, readMergeTarget, writeMergeTarget, type MergeTarget } from "./merge";
import { formatManifest } from "./output";
import { declaresScope, scopeFromAnnotations, type Scope } from "./scope";
import { buildSealedSecret } from "./sealing";
import { MAX_SECRET_DATA_BYTES, isValidSecretKey, type PlainSecret } from "./secret";

export interface SealIo {
  /** All of stdin, or undefined when stdin is a terminal (nothing was piped in). */
  readStdin(): Promise<Buffer | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Environment for the pulumi CLI (PATH, PULUMI_*). */
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

/** Runs the command and returns its exit code; only bugs throw. */
export async function runSeal(argv: readonly string[], io: SealIo): Promise<number> {
  try {
    const line = parseSealArgs(argv);
    if (line.help) io.stdout(USAGE);
    else await seal(line, io);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      // Not `npm run seal -- --help`, as the other commands say: this is also the k8s-flux-seal bin.
      io.stderr(`seal: ${error.message}; see --help\n`);
      return EXIT_USAGE;
    }
    if (error instanceof InputError) {
      io.stderr(`seal: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

async function seal(options: SealOptions, io: SealIo): Promise<void> {
  const secret = await readSecret(options, io);
  const target = options.mergeInto === undefined ? undefined : readMergeTarget(options.mergeInto);
  const scope = target
    ? adoptMergeTarget(secret, target, options.scope)
    : settleScope(secret, options.scope);
  checkSecret(secret, scope);
  checkDataSize(secret, target);

  const certificate = loadCertificate(options, io);
  const sealed = buildSealedSecret(secret, { publicKey: certificate.publicKey, scope });
  if (target) {
    writeMergeTarget(target.path, mergeSealedSecret(target, sealed, options.format));
  } else {
    io.stdout(formatManifest(sealed, options.format ?? "yaml"));
  }
}

async function readSecret(options: SealOptions, io: SealIo): Promise<PlainSecret> {
  if (options.literals.length > 0 || options.files.length > 0) {
    return secretFromFlags(options);
  }
  const stdin = await io.readStdin();
  if (stdin === undefined) {
    throw new UsageError(
      "no Secret given: pipe one (YAML or JSON) into stdin, or use --from-literal/--from-file",
    );
  }
  const secret = parseSecretManifest(stdin.toString("utf8"));
  secret.name = agree(
    secret.name,
    options.name,
    (a, b) => `the Secret on stdin is named "${a}" but --name says "${b}"`,
  );
  secret.namespace = agree(
    secret.namespace,
    options.namespace,
    (a, b) => `the Secret on stdin is in namespace "${a}" but --namespace says "${b}"`,
  );
  return secret;
}

/** An explicit --scope wins; otherwise the Secret's own annotations, as kubeseal reads them. */
function settleScope(secret: PlainSecret, requested: Scope | undefined): Scope {
  return requested ?? scopeFromAnnotations(secret.annotations);
}

/** New keys must open under the file's label, so the file's identity and scope are binding. */
function adoptMergeTarget(
  secret: PlainSecret,
  target: MergeTarget,
  requested: Scope | undefined,
): Scope {
  const where = `--merge-into ${target.path}`;
  const wanted =
    requested ?? (declaresScope(secret.annotations) ? settleScope(secret, undefined) : undefined);
  if (wanted !== undefined && wanted !== target.scope) {
    throw new InputError(`${where} is sealed ${target.scope}, but ${wanted} was asked for`);
  }
  secret.name = agree(
    target.name,
    secret.name,
    (a, b) => `${where} is named "${a}" but the Secret is named "${b}"`,
  );
  secret.namespace = agree(
    target.namespace || undefined,
    secret.namespace,
    (a, b) => `${where} is in namespace "${a}" but the Secret is in "${b}"`,
  );
  return target.scope;
}

/** Two sources of the same field must say the same thing; either may be silent. */
function agree(
  first: string | undefined,
  second: string | undefined,
  conflict: (first: string, second: string) => string,
): string | undefined {
  if (first !== undefined && second !== undefined && first !== second) {
    throw new InputError(conflict(first, second));
  }
  return first ?? second;
}

function checkSecret(secret: PlainSecret, scope: Scope): void {
  if (!secret.name) {
    throw new InputError(
      "the Secret has no name; set metadata.name or pass --name (every scope needs one)",
    );
  }
  if (!secret.namespace && scope !== "cluster-wide") {
    throw new InputError(
      `the Secret has no namespace; set metadata.namespace or pass --namespace (only --scope cluster-wide goes without)`,
    );
  }
  if (secret.data.size === 0) {
    throw new InputError("the Secret has no data; give it at least one key");
  }
  for (const [key, value] of secret.data) {
    if (!isValidSecretKey(key)) {
      throw new InputError(
        `key ${quoted(key)} is not a valid Secret key; use letters, digits, "-", "_" and "."`,
      );
    }
    if (value.length === 0) {
      throw new InputError(`key ${visibleText(key)} has an empty value; there is nothing to seal`);
    }
  }
}

/** Counted as the API server counts; a merge keeps the file's other keys, so they count too. */
function checkDataSize(secret: PlainSecret, target: MergeTarget | undefined): void {
  const sizes = new Map(target?.sealedSizes);
  for (const [key, value] of secret.data) sizes.set(key, value.length);
  let total = 0;
  for (const size of sizes.values()) total += size;
  if (total > MAX_SECRET_DATA_BYTES) {
    const counted = target ? ` with the keys already in --merge-into ${target.path}` : "";
    throw new InputError(
      `the Secret's data is ${total} bytes${counted}; Kubernetes refuses a Secret with more than 1 MiB (${MAX_SECRET_DATA_BYTES} bytes) of data, so split it across several Secrets`,
    );
  }
}

function loadCertificate(options: SealOptions, io: SealIo): SealingCertificate {
  const source = options.certificate;
  return source.kind === "file"
    ? readCertificateFile(source.path, io.now)
    : readStackCertificate(source.stack, { env: io.env }, io.now);
}
