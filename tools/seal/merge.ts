/**
 * `--merge-into FILE`: seal new or changed keys into an existing SealedSecret and keep the rest,
 * like `kubeseal --merge-into`. The new values must open under the same label as the old ones,
 * so the file's name, namespace and scope decide, and anything that contradicts them is refused
 * rather than written into a SealedSecret whose keys the controller could open only in part.
 * YAML files are edited in place, so comments and key order survive.
 */
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isMap, type Document } from "yaml";
import { fileProblem } from "../problems";
import { InputError } from "./errors";
import { NAMESPACE_RULE, SECRET_NAME_RULE, nameProblem } from "./names";
import { formatManifest, type Format } from "./output";
import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  sealedValueLength,
  type SealedSecretManifest,
} from "./sealing";
import { scopeFromAnnotations, type Scope } from "./scope";
import { documentValue, parseYamlDocuments } from "./yamlText";

export interface MergeTarget {
  path: string;
  /** The format the file is written in. */
  format: Format;
  name: string;
  /** Empty for a cluster-wide SealedSecret without a namespace. */
  namespace: string;
  scope: Scope;
  /** The plaintext length of each value already sealed in the file, by key. */
  sealedSizes: Map<string, number>;
  document: Document;
}

export function readMergeTarget(path: string): MergeTarget {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`cannot read --merge-into ${path}: ${fileProblem(error)}`);
  }
  const where = `--merge-into ${path}`;
  const withContent = parseYamlDocuments(text, where).filter(
    (document) => document.contents !== null,
  );
  const [document] = withContent;
  if (withContent.length !== 1 || !document) {
    throw new InputError(
      `${where} holds ${withContent.length} documents; it must hold one SealedSecret`,
    );
  }

  const manifest = documentValue(document, where);
  if (
    !isRecord(manifest) ||
    manifest.kind !== SEALED_SECRET_KIND ||
    manifest.apiVersion !== SEALED_SECRET_API_VERSION
  ) {
    throw new InputError(`${where} is not a SealedSecret (${SEALED_SECRET_API_VERSION})`);
  }
  const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
  const spec = isRecord(manifest.spec) ? manifest.spec : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const templateMetadata = isRecord(template.metadata) ? template.metadata : {};
  if (typeof metadata.name !== "string" || metadata.name === "") {
    throw new InputError(`${where} has no metadata.name`);
  }
  const namespace = typeof metadata.namespace === "string" ? metadata.namespace : "";
  const badName =
    nameProblem(`${where}: metadata.name`, metadata.name, SECRET_NAME_RULE) ??
    (namespace === ""
      ? undefined
      : nameProblem(`${where}: metadata.namespace`, namespace, NAMESPACE_RULE));
  if (badName) throw new InputError(badName);
  if (spec.data !== undefined && spec.data !== null) {
    throw new InputError(
      `${where} uses the deprecated spec.data blob, which cannot take single keys; seal the whole Secret again`,
    );
  }
  if (
    spec.encryptedData !== undefined &&
    spec.encryptedData !== null &&
    !isRecord(spec.encryptedData)
  ) {
    throw new InputError(`${where}: spec.encryptedData must be a mapping`);
  }

  const scope = scopeFromAnnotations(stringRecord(metadata.annotations));
  const templateScope = scopeFromAnnotations(stringRecord(templateMetadata.annotations));
  if (scope !== templateScope) {
    throw new InputError(
      `${where} is inconsistent: metadata.annotations say ${scope} but spec.template.metadata.annotations say ${templateScope}`,
    );
  }
  return {
    path,
    format: text.trimStart().startsWith("{") ? "json" : "yaml",
    name: metadata.name,
    namespace,
    scope,
    sealedSizes: sealedSizes(spec.encryptedData),
    document,
  };
}

/**
 * The file's new text: the sealed values of `update` added or replaced, and its template labels
 * and annotations merged over the file's, as kubeseal does. Nothing else changes.
 */
export function mergeSealedSecret(
  target: MergeTarget,
  update: SealedSecretManifest,
  format: Format = target.format,
): string {
  const document = target.document.clone();
  ensureMapping(document, ["spec"]);
  ensureMapping(document, ["spec", "encryptedData"]);
  for (const [key, value] of Object.entries(update.spec.encryptedData)) {
    document.setIn(["spec", "encryptedData", key], value);
  }
  const templateMetadata = update.spec.template.metadata;
  for (const field of ["labels", "annotations"] as const) {
    const path = ["spec", "template", "metadata", field];
    for (const [key, value] of Object.entries(templateMetadata[field] ?? {})) {
      if (document.getIn([...path, key]) === value) continue;
      ensureMapping(document, ["spec", "template"]);
      ensureMapping(document, ["spec", "template", "metadata"]);
      ensureMapping(document, path);
      document.setIn([...path, key], value);
    }
  }
  if (format === "yaml" && target.format === "yaml") return document.toString({ lineWidth: 0 });
  // readMergeTarget has resolved this document once already, so toJS cannot fail here.
  return formatManifest(document.toJS(), format);
}

/** Replaces the file only once the new text exists in full beside it, keeping its mode. */
export function writeMergeTarget(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: statSync(path).mode & 0o777 });
    chmodSync(temporary, statSync(path).mode & 0o777);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new InputError(`cannot write --merge-into ${path}: ${fileProblem(error)}`);
  }
}

function ensureMapping(document: Document, path: string[]): void {
  const node = document.getIn(path, true);
  if (isMap(node)) return;
  if (node === undefined || node === null || document.getIn(path) === null) {
    document.setIn(path, document.createNode({}));
    return;
  }
  throw new InputError(`${path.join(".")} in the --merge-into file must be a mapping`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sealedSizes(encryptedData: unknown): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const [key, value] of Object.entries(stringRecord(encryptedData))) {
    const size = sealedValueLength(value);
    if (size !== undefined) sizes.set(key, size);
  }
  return sizes;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === "string") result[key] = entry;
  }
  return result;
}
