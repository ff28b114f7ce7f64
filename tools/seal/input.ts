/**
 * The two ways a Secret comes in: a manifest on stdin (what `kubectl create secret generic ...
 * --dry-run=client -o yaml` prints, YAML or JSON), or kubectl-style flags.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { UsageError } from "../cliArgs";
import { visibleText } from "../../components/shared/quotedText";
import { fileProblem } from "../problems";
import { InputError } from "./errors";
import { NAMESPACE_RULE, SECRET_NAME_RULE, nameProblem, type NameRule } from "./names";
import { isValidSecretKey, type PlainSecret } from "./secret";
import { documentValue, parseYamlDocuments, refuseYamlSyntaxInValues } from "./yamlText";

/** Standard base64 with padding, as the API server demands for Secret data. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const KEY_RULE = 'a Secret key holds only letters, digits, "-", "_" and "."';

const NO_INPUT_HINT = "pipe a Secret (YAML or JSON) into stdin, or use --from-literal/--from-file";

/** Reads one Secret manifest; `source` names where it came from in messages. */
export function parseSecretManifest(text: string, source = "stdin"): PlainSecret {
  if (text.trim() === "") throw new InputError(`${source} is empty; ${NO_INPUT_HINT}`);
  const documents = parseYamlDocuments(text, source)
    .map((document) => ({ document, value: documentValue(document, source) }))
    .filter(({ value }) => value !== null && value !== undefined);
  const [only] = documents;
  if (only === undefined) throw new InputError(`${source} holds no document; ${NO_INPUT_HINT}`);
  if (documents.length !== 1) {
    throw new InputError(
      `${source} holds ${documents.length} documents; seal one Secret at a time`,
    );
  }
  const manifest = only.value;
  if (!isRecord(manifest) || manifest.kind !== "Secret") {
    const kind = isRecord(manifest) ? manifest.kind : undefined;
    throw new InputError(
      `${source} is not a Secret (${kind === undefined ? "no kind" : `kind: ${visibleText(String(kind))}`}); ${NO_INPUT_HINT}`,
    );
  }
  if (manifest.apiVersion !== undefined && manifest.apiVersion !== "v1") {
    throw new InputError(
      `${source} has apiVersion ${visibleText(String(manifest.apiVersion))}; a Secret is v1`,
    );
  }

  refuseYamlSyntaxInValues(only.document, ["data", "stringData"], source);

  const metadata = optionalRecord(manifest.metadata, "metadata", source);
  const secret: PlainSecret = {
    name: optionalName(metadata.name, "metadata.name", source, SECRET_NAME_RULE),
    namespace: optionalName(metadata.namespace, "metadata.namespace", source, NAMESPACE_RULE),
    type: optionalString(manifest.type, "type", source),
    labels: stringMap(metadata.labels, "metadata.labels", source),
    annotations: stringMap(metadata.annotations, "metadata.annotations", source),
    data: new Map(),
  };
  if (manifest.immutable !== undefined) {
    if (typeof manifest.immutable !== "boolean") {
      throw new InputError(`${source}: immutable must be true or false`);
    }
    secret.immutable = manifest.immutable;
  }
  for (const [key, value] of Object.entries(stringMap(manifest.data, "data", source))) {
    const compact = value.replace(/\s+/g, "");
    if (!BASE64.test(compact)) {
      throw new InputError(
        `${source}: data.${visibleText(key)} is not valid base64; put plain text under stringData`,
      );
    }
    secret.data.set(key, Buffer.from(compact, "base64"));
  }
  // The API server lets stringData win over data for the same key; so does kubeseal.
  for (const [key, value] of Object.entries(stringMap(manifest.stringData, "stringData", source))) {
    secret.data.set(key, Buffer.from(value, "utf8"));
  }
  return secret;
}

export interface SecretFlags {
  name?: string;
  namespace?: string;
  /** `key=value`, as kubectl's --from-literal. */
  literals: readonly string[];
  /** `key=path` or `path` (key = the file's name), as kubectl's --from-file. */
  files: readonly string[];
}

/** Builds an Opaque Secret from kubectl-style flags, reading each file as raw bytes. */
export function secretFromFlags(flags: SecretFlags): PlainSecret {
  const secret: PlainSecret = {
    name: flags.name,
    namespace: flags.namespace,
    type: "Opaque",
    labels: {},
    annotations: {},
    data: new Map(),
  };
  const add = (key: string, value: Buffer): void => {
    if (secret.data.has(key)) throw new InputError(`key ${visibleText(key)} is given twice`);
    secret.data.set(key, value);
  };
  flags.literals.forEach((literal, index) => {
    const separator = literal.indexOf("=");
    const problem = literalProblem(literal, separator);
    // The text is never quoted: a literal without its key is most likely the value alone.
    if (problem)
      throw new UsageError(`--from-literal #${index + 1} ${problem} (expected KEY=VALUE)`);
    add(literal.slice(0, separator), Buffer.from(literal.slice(separator + 1), "utf8"));
  });
  flags.files.forEach((spec, index) => {
    const separator = spec.indexOf("=");
    const path = separator < 0 ? spec : spec.slice(separator + 1);
    const key = separator < 0 ? basename(spec) : spec.slice(0, separator);
    const problem = fileSpecProblem(separator, key, path);
    if (problem) throw new UsageError(`--from-file #${index + 1} ${problem} (expected [KEY=]PATH)`);
    let contents: Buffer;
    try {
      contents = readFileSync(path);
    } catch (error) {
      // Named by position: the flag is sensitive (args.ts), and a path that is not there may
      // well be a value given to the wrong flag.
      throw new InputError(
        `cannot read --from-file #${index + 1}: ${fileProblem(error, { pathMayBeSecret: true })}`,
      );
    }
    add(key, contents);
  });
  return secret;
}

/** What is missing from a --from-literal, in words that do not repeat it. */
function literalProblem(literal: string, separator: number): string | undefined {
  if (separator < 0) return 'has no "="';
  if (separator === 0) return 'has no KEY before "="';
  if (!isValidSecretKey(literal.slice(0, separator))) return `has an invalid KEY: ${KEY_RULE}`;
  return undefined;
}

/** What is wrong with a --from-file's form, in words that repeat neither its key nor its path. */
function fileSpecProblem(separator: number, key: string, path: string): string | undefined {
  if (separator === 0) return 'has no KEY before "="';
  if (path === "") return 'has no PATH after "="';
  if (key === "") return "has no file name to take the KEY from";
  if (!isValidSecretKey(key)) {
    return separator < 0
      ? `has a file name that is not a valid KEY, so give one as KEY=PATH: ${KEY_RULE}`
      : `has an invalid KEY: ${KEY_RULE}`;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalRecord(value: unknown, field: string, source: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new InputError(`${source}: ${field} must be a mapping`);
  return value;
}

/** A name or namespace as the API server would accept it; empty counts as absent later on. */
function optionalName(
  value: unknown,
  field: string,
  source: string,
  rule: NameRule,
): string | undefined {
  const name = optionalString(value, field, source);
  const problem = name ? nameProblem(`${source}: ${field}`, name, rule) : undefined;
  if (problem) throw new InputError(problem);
  return name;
}

function optionalString(value: unknown, field: string, source: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InputError(`${source}: ${field} must be a string`);
  return value;
}

function stringMap(value: unknown, field: string, source: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(optionalRecord(value, field, source))) {
    if (typeof entry !== "string") {
      throw new InputError(`${source}: ${field}.${visibleText(key)} must be a string; quote it`);
    }
    result[key] = entry;
  }
  return result;
}
