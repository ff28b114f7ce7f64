/**
 * Reading YAML or JSON text, for stdin and for --merge-into files alike. A problem becomes one
 * InputError line that names where the text came from. Syntax errors keep what the yaml library
 * says went wrong, and where, without its excerpt of the text (tools/problems.ts). Aliases that do
 * not resolve get words of our own, because the library's message names the alias: for an unquoted
 * value such as `*Sup3rS3cret!`, that name is the secret.
 */
import { parseAllDocuments, type Document } from "yaml";
import { yamlProblem } from "../problems";
import { InputError } from "./errors";
import { YAML_VERSION } from "./output";

const QUOTE_HINT = "quote values that start with * or &";

/** Every document in `text`; `where` starts each message ("stdin", "--merge-into x.yaml"). */
export function parseYamlDocuments(text: string, where: string): Document[] {
  // logLevel "error": the library would otherwise print warnings (which may quote keys) straight
  // to the process's stderr, beside our one line.
  const documents = parseAllDocuments(text, { version: YAML_VERSION, logLevel: "error" });
  for (const document of documents) {
    const [problem] = document.errors;
    if (problem) {
      throw new InputError(`${where} is not valid YAML or JSON: ${yamlProblem(problem)}`);
    }
  }
  return documents;
}

/** The document as plain data; aliases and merge keys are resolved only here. */
export function documentValue(document: Document, where: string): unknown {
  try {
    return document.toJS() as unknown;
  } catch (error) {
    // The library's message may quote an alias name, i.e. a value; it is not passed on.
    throw new InputError(`${where} is not valid YAML or JSON: ${aliasProblem(error)}`);
  }
}

function aliasProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/^Unresolved alias/.test(message)) {
    return `a value starts with * (a YAML alias) that no & anchor defines; ${QUOTE_HINT}`;
  }
  if (/^Excessive alias count/.test(message)) {
    return `its YAML aliases (*) expand too many times to read safely; ${QUOTE_HINT}`;
  }
  return `its YAML anchors and aliases (& and *) do not resolve; ${QUOTE_HINT}`;
}
