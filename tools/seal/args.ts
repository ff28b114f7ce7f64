/**
 * The seal command's flags, read by the shared command-line reader (tools/cliArgs.ts) and checked
 * before any work starts.
 */
import { quoted } from "../../components/shared/quotedText";
import { parseCommandLine, UsageError, type Parsed } from "../cliArgs";
import { NAMESPACE_RULE, SECRET_NAME_RULE, nameProblem, type NameRule } from "./names";
import { FORMATS, isFormat, type Format } from "./output";
import { SCOPES, isScope, type Scope } from "./scope";

export const USAGE = `Seal a Kubernetes Secret for this cluster's Sealed Secrets controller, offline.

Usage:
  kubectl create secret generic NAME -n NAMESPACE --from-literal=KEY=VALUE --dry-run=client -o yaml \\
    | npm run --silent seal -- --stack STACK > NAME.sealed.yaml
  npm run --silent seal -- --cert CERT.pem --name NAME --namespace NAMESPACE \\
    --from-literal KEY=VALUE --from-file [KEY=]PATH > NAME.sealed.yaml

Certificate (one of):
  --stack NAME          use the sealedSecretsCert output of this Pulumi stack (needs the pulumi CLI)
  --cert FILE           use this PEM certificate

Secret (stdin, or these flags instead):
  --name NAME           the Secret's name (required in every scope)
  -n, --namespace NS    the Secret's namespace (required unless --scope cluster-wide)
  --from-literal K=V    a value given on the command line (repeatable)
  --from-file [K=]PATH  a file's bytes; the key defaults to the file's name (repeatable)
  With stdin, --name and --namespace fill in what the Secret leaves out.

Output:
  --scope SCOPE         ${SCOPES.join(" | ")} (default: the Secret's scope annotations, else strict)
  --format FORMAT       ${FORMATS.join(" | ")} (default yaml)
  --merge-into FILE     add or replace these keys in an existing SealedSecret file, in place
  -h, --help            show this help

Exit codes: 0 sealed, 1 bad input (Secret, certificate, files), 2 bad flags.
`;

export interface SealOptions {
  certificate: { kind: "file"; path: string } | { kind: "stack"; stack: string };
  /** Absent when the flag was not given, so the Secret's own annotations can decide. */
  scope?: Scope;
  format?: Format;
  name?: string;
  namespace?: string;
  literals: string[];
  files: string[];
  mergeInto?: string;
}

// Sensitive: a --from-literal is a secret, and a --from-file may be one given to the wrong flag.
const FLAGS = {
  cert: { type: "string" },
  stack: { type: "string" },
  scope: { type: "string" },
  format: { type: "string" },
  name: { type: "string" },
  namespace: { type: "string", short: "n" },
  "from-literal": { type: "string", multiple: true, sensitive: true },
  "from-file": { type: "string", multiple: true, sensitive: true },
  "merge-into": { type: "string" },
} as const;

export function parseSealArgs(argv: readonly string[]): Parsed<SealOptions> {
  const line = parseCommandLine(argv, FLAGS);
  if (line.help) return line;
  const { flags } = line;
  const certificate = certificateSource(flags.cert, flags.stack);
  const { scope, format } = flags;
  if (scope !== undefined && !isScope(scope)) {
    throw new UsageError(`unknown scope ${quoted(scope)}; use one of ${SCOPES.join(", ")}`);
  }
  if (format !== undefined && !isFormat(format)) {
    throw new UsageError(`unknown format ${quoted(format)}; use one of ${FORMATS.join(", ")}`);
  }
  return {
    help: false,
    certificate,
    scope,
    format,
    name: checkedName(flags.name, "--name", SECRET_NAME_RULE),
    namespace: checkedName(flags.namespace, "--namespace", NAMESPACE_RULE),
    literals: flags["from-literal"] ?? [],
    files: flags["from-file"] ?? [],
    mergeInto: flags["merge-into"],
  };
}

function certificateSource(
  cert: string | undefined,
  stack: string | undefined,
): SealOptions["certificate"] {
  if (cert !== undefined && stack !== undefined) {
    throw new UsageError("give either --cert or --stack, not both");
  }
  if (cert !== undefined) return { kind: "file", path: cert };
  if (stack !== undefined) return { kind: "stack", stack };
  throw new UsageError("say which certificate to seal with: --stack STACK or --cert FILE");
}

/** A --name or --namespace the API server would accept. */
function checkedName(value: string | undefined, flag: string, rule: NameRule): string | undefined {
  const problem = value === undefined ? undefined : nameProblem(flag, value, rule);
  if (problem !== undefined) throw new UsageError(problem);
  return value;
}
