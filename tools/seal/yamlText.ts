/**
 * Reading YAML or JSON text, for stdin and for --merge-into files alike. A problem becomes one
 * InputError line that names where the text came from, and never quotes the text: an unquoted
 * value such as `*Sup3rS3cret!`, `&Sup3r S3cret` or `!Sup3r S3cret` is YAML syntax (an alias, an
 * anchor, a tag), so whatever the yaml library says about that syntax names the secret. Syntax
 * errors keep the library's words and position (tools/problems.ts) where those words are fixed
 * text, and get words of our own where the library would quote the input.
 */
import {
  isAlias,
  isMap,
  isScalar,
  parseAllDocuments,
  YAMLParseError,
  type Document,
  type ErrorCode,
  type YAMLError,
} from "yaml";
import { visibleText } from "../../components/shared/quotedText";
import { yamlProblem } from "../problems";
import { InputError } from "./errors";
import { YAML_VERSION } from "./output";

const QUOTE_HINT = "quote values that start with *, & or !";
const TAG_WORDS = "a value starts with ! (a YAML tag) that YAML cannot resolve";

/**
 * Our words for each problem the library reports, where its own words would quote the input
 * (an escape, a tag, a stray token, a directive); undefined where its message is fixed text.
 * Every code is listed, so a yaml upgrade that adds one does not compile until it is sorted in.
 */
const OWN_WORDS: Record<ErrorCode, { words: string; hint?: string } | undefined> = {
  ALIAS_PROPS: undefined,
  BAD_ALIAS: undefined,
  BAD_COLLECTION_TYPE: { words: TAG_WORDS, hint: QUOTE_HINT },
  BAD_DIRECTIVE: { words: "a % directive that YAML 1.1 does not know" },
  BAD_DQ_ESCAPE: {
    words: "a double-quoted value holds a \\ escape that YAML does not know",
    hint: "write \\\\ for a backslash, or put the value in single quotes",
  },
  BAD_INDENT: undefined,
  BAD_PROP_ORDER: undefined,
  // The library names the character, i.e. the value's first one.
  BAD_SCALAR_START: { words: "a value starts with @ or `, which YAML reserves", hint: "quote it" },
  BLOCK_AS_IMPLICIT_KEY: undefined,
  BLOCK_IN_FLOW: undefined,
  DUPLICATE_KEY: undefined,
  IMPOSSIBLE: undefined,
  KEY_OVER_1024_CHARS: undefined,
  MISSING_CHAR: undefined,
  MULTILINE_IMPLICIT_KEY: undefined,
  MULTIPLE_ANCHORS: undefined,
  MULTIPLE_DOCS: undefined,
  MULTIPLE_TAGS: undefined,
  NON_STRING_KEY: undefined,
  RESOURCE_EXHAUSTION: { words: "it nests too deeply to read" },
  TAB_AS_INDENT: undefined,
  TAG_RESOLVE_FAILED: { words: TAG_WORDS, hint: QUOTE_HINT },
  UNEXPECTED_TOKEN: { words: "text that YAML does not expect there" },
};

/** Every document in `text`; `where` starts each message ("stdin", "--merge-into x.yaml"). */
export function parseYamlDocuments(text: string, where: string): Document[] {
  // logLevel "error": the library would otherwise print warnings (which may quote the input)
  // straight to the process's stderr, beside our one line.
  const documents = parseAllDocuments(text, { version: YAML_VERSION, logLevel: "error" });
  for (const document of documents) {
    // Warnings count as errors: with an unknown tag, the library drops the tag and keeps
    // the rest, so `!Sup3r S3cret` would be sealed as "S3cret".
    const [problem] = [...document.errors, ...document.warnings];
    if (problem) {
      throw new InputError(`${where} is not valid YAML or JSON: ${problemInOwnWords(problem)}`);
    }
  }
  return documents;
}

function problemInOwnWords(problem: YAMLError): string {
  const own = OWN_WORDS[problem.code];
  if (own === undefined) return yamlProblem(problem);
  const worded = new YAMLParseError(problem.pos, problem.code, own.words);
  worded.linePos = problem.linePos;
  return own.hint === undefined ? yamlProblem(worded) : `${yamlProblem(worded)}; ${own.hint}`;
}

/**
 * Refuses a value under the mappings `fields` (a Secret's data and stringData) that YAML reads
 * as something other than the text written: an anchor (`&abc def` is "def") or a tag
 * (`! Sup3r` is "Sup3r") is left out of the value, and an alias is replaced by another value.
 * The value is named by its key, never shown.
 */
export function refuseYamlSyntaxInValues(
  document: Document,
  fields: readonly string[],
  where: string,
): void {
  for (const field of fields) {
    const values = document.get(field, true);
    if (!isMap(values)) continue;
    for (const { key, value } of values.items) {
      const syntax = syntaxTakenFrom(value);
      if (syntax !== undefined) {
        const name = isScalar(key) ? visibleText(String(key.value)) : "?";
        throw new InputError(`${where}: ${field}.${name} starts with ${syntax}; ${QUOTE_HINT}`);
      }
    }
  }
}

/** What YAML takes for syntax at the start of a value as written, in words; else undefined. */
function syntaxTakenFrom(value: unknown): string | undefined {
  if (isAlias(value)) return "* (a YAML alias), which YAML replaces with the value it names";
  if (!isScalar(value)) return undefined;
  if (value.anchor !== undefined) return "& (a YAML anchor), which YAML leaves out of the value";
  if (value.tag !== undefined) return "! (a YAML tag), which YAML leaves out of the value";
  return undefined;
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
