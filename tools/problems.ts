/**
 * Why a file or a YAML text could not be used, in one line of words: for command-line tools,
 * whose users get a sentence rather than an errno or a stack trace.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { parseDocument, YAMLError, type Document } from "yaml";
import { visibleText } from "../components/shared/quotedText";

export interface FileProblemOptions {
  /**
   * The path may be a secret (a value given to a path flag by mistake): an error with no words
   * of its own here is named by its code, never by the system's message, which quotes the path.
   */
  readonly pathMayBeSecret?: boolean;
}

/** Why a file or directory could not be read or written. */
export function fileProblem(
  error: unknown,
  { pathMayBeSecret = false }: FileProblemOptions = {},
): string {
  const { code } = error as NodeJS.ErrnoException;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "EEXIST":
      return "it exists already";
    case "EROFS":
      return "the file system is read-only";
    case "ENOSPC":
      return "no space left on the device";
    default:
      if (pathMayBeSecret) {
        // A value given as a path is often longer than a file name may be.
        return code === "ENAMETOOLONG" ? "the path is too long" : (code ?? "unknown error");
      }
      // The system's message quotes the path, which came from the user.
      return visibleText(firstLine(error instanceof Error ? error.message : String(error)));
  }
}

/** Kernel file systems: nothing can be written there, and mkdir can loop on them forever. */
const KERNEL_FILE_SYSTEMS = ["/proc", "/sys"];

/**
 * Why `directory` (absolute) cannot take a command's output files (a rendering, a fleet run's
 * logs), checked before anything is done; undefined when it can, or can be made.
 */
export function outputDirectoryProblem(directory: string): string | undefined {
  let existing = directory;
  for (;;) {
    try {
      const stat = statSync(existing);
      if (existing === directory && !stat.isDirectory()) return "it exists and is not a directory";
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") return fileProblem(error);
      // Node's recursive mkdir never returns for a missing directory under /proc, so where the
      // path leads is judged by its nearest existing ancestor, links resolved.
      existing = dirname(existing);
    }
  }
  const real = realpathSync(existing);
  const kernel = KERNEL_FILE_SYSTEMS.find((root) => real === root || real.startsWith(`${root}/`));
  return kernel === undefined ? undefined : `it is under ${kernel}, a kernel file system`;
}

/**
 * A YAML parse error's message without the excerpt the yaml package appends, and with the
 * position as words: `Nested mappings are not allowed in compact mappings (line 4, column 13)`.
 */
export function yamlProblem(error: YAMLError): string {
  const text = firstLine(error.message).replace(/ at line \d+, column \d+:?$/, "");
  const start = error.linePos?.[0];
  return start ? `${text} (line ${start.line}, column ${start.col})` : text;
}

/**
 * A YAML file of ours (a stack file, its working copy) as a document; a file that cannot be read
 * or is not YAML is an Error of one line that names it, `shownAs` (default its path), and for
 * YAML where it goes wrong. Its secrets are `secure:` ciphertext, so the library's words may
 * quote it.
 */
export function readYamlDocument(path: string, shownAs = path): Document.Parsed {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${shownAs}: ${fileProblem(error)}`, { cause: error });
  }
  // logLevel "error": warnings would otherwise be printed straight to stderr, beside our line.
  const document = parseDocument(text, { logLevel: "error" });
  const [problem] = document.errors;
  if (problem) throw new Error(`${shownAs}: ${yamlProblem(problem)}`, { cause: problem });
  return document;
}

/** readYamlDocument's document as plain data; an alias with no anchor is told the same way. */
export function readYamlFile(path: string, shownAs = path): unknown {
  const document = readYamlDocument(path, shownAs);
  try {
    return document.toJS() as unknown;
  } catch (error) {
    const problem = firstLine(error instanceof Error ? error.message : String(error));
    throw new Error(`${shownAs}: ${visibleText(problem)}`, { cause: error });
  }
}

/**
 * `text` as JSON, or the Error `invalid` makes: for a state file that a crash, a full disk or a
 * person left unreadable, which is a failure to tell in the command's words, not a bug.
 */
export function parseJsonOr(text: string, invalid: () => Error): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid();
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}
