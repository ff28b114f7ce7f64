/** The seal command's flags, read with node:util parseArgs and checked before any work starts. */
import { parseArgs } from "node:util";
import { UsageError } from "./errors";
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
  help: boolean;
  certificate?: { kind: "file"; path: string } | { kind: "stack"; stack: string };
  /** Absent when the flag was not given, so the Secret's own annotations can decide. */
  scope?: Scope;
  format?: Format;
  name?: string;
  namespace?: string;
  literals: string[];
  files: string[];
  mergeInto?: string;
}

const FLAGS = {
  help: { type: "boolean", short: "h" },
  cert: { type: "string" },
  stack: { type: "string" },
  scope: { type: "string" },
  format: { type: "string" },
  name: { type: "string" },
  namespace: { type: "string", short: "n" },
  "from-literal": { type: "string", multiple: true },
  "from-file": { type: "string", multiple: true },
  "merge-into": { type: "string" },
} as const;

export function parseSealArgs(argv: readonly string[]): SealOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: FLAGS,
    }));
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }, argv));
  }

  const options: SealOptions = {
    help: values.help === true,
    literals: values["from-literal"] ?? [],
    files: values["from-file"] ?? [],
  };
  if (options.help) return options;

  // An empty value is a slip, never a choice: given `--stack ""`, pulumi would quietly use
  // whichever stack is selected.
  for (const [flag, value] of [
    ["--cert", values.cert],
    ["--stack", values.stack],
    ["--name", values.name],
    ["--namespace", values.namespace],
    ["--merge-into", values["merge-into"]],
  ] as const) {
    if (value === "") throw new UsageError(`${flag} needs a value`);
  }

  if (values.cert !== undefined && values.stack !== undefined) {
    throw new UsageError("give either --cert or --stack, not both");
  }
  if (values.cert !== undefined) options.certificate = { kind: "file", path: values.cert };
  else if (values.stack !== undefined) options.certificate = { kind: "stack", stack: values.stack };
  else throw new UsageError("say which certificate to seal with: --stack STACK or --cert FILE");

  if (values.scope !== undefined) {
    if (!isScope(values.scope)) {
      throw new UsageError(`unknown scope "${values.scope}"; use one of ${SCOPES.join(", ")}`);
    }
    options.scope = values.scope;
  }
  if (values.format !== undefined) {
    if (!isFormat(values.format)) {
      throw new UsageError(`unknown format "${values.format}"; use one of ${FORMATS.join(", ")}`);
    }
    options.format = values.format;
  }
  options.name = checkedName(values.name, "--name", "--name", SECRET_NAME_RULE);
  options.namespace = checkedName(values.namespace, "--namespace", "-n", NAMESPACE_RULE);
  options.mergeInto = values["merge-into"];
  return options;
}

/**
 * A --name or --namespace the API server would accept. A leading "=" is kubectl's `-n=shop`,
 * which parseArgs reads as the value "=shop"; the message says how to write it here.
 */
function checkedName(
  value: string | undefined,
  flag: string,
  shortest: string,
  rule: NameRule,
): string | undefined {
  if (value === undefined) return undefined;
  const problem = nameProblem(flag, value, rule);
  if (problem === undefined) return value;
  const meant = value.slice(1);
  throw new UsageError(
    value.startsWith("=") && meant !== ""
      ? `${problem}; use ${shortest} ${meant} or ${flag}=${meant}`
      : problem,
  );
}

/** parseArgs explains itself at length; one line naming the flag is enough. */
function describeParseError(error: Error & { code?: string }, argv: readonly string[]): string {
  // Every flag quoted in the message: '-h, --help' gives -h and --help, '--namespace=-XYZ'
  // gives --namespace. The long name reads best.
  const flags = [...error.message.matchAll(/'([^']*)'/g)]
    .flatMap((match) => (match[1] ?? "").split(/[\s,=]+/))
    .filter((word) => word.startsWith("-"));
  const flag = flags.find((name) => /^--\w/.test(name)) ?? flags[0];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${/'(-[^' ]+)/.exec(error.message)?.[1] ?? ""}; see --help`.replace(
        "  ",
        " ",
      );
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(error.message)) {
        return `${flag ?? "a flag"} takes no value; see --help`;
      }
      if (/is ambiguous/.test(error.message)) {
        return `${flag ?? "a flag"} needs a value (one that starts with "-" goes after "=", as ${flag ?? "--flag"}=VALUE); see --help`;
      }
      return `${flag ?? "a flag"} needs a value; see --help`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `argument ${strayArgument(argv)} is neither a flag nor a flag's value; every input is a flag (see --help)`;
    default:
      return `${error.message}; see --help`;
  }
}

/**
 * Where the first word that belongs to no flag is, as "#N" counting the arguments from 1. The word
 * itself is not repeated: it is often a value that lost its flag, as in `--from-literal KEY= VALUE`.
 */
function strayArgument(argv: readonly string[]): string {
  const { tokens } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: FLAGS,
  });
  const stray = tokens.find((token) => token.kind === "positional");
  return stray ? `#${stray.index + 1}` : "";
}
