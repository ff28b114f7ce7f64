/**
 * Why a file or a YAML text could not be used, in one line of words: for command-line tools,
 * whose users get a sentence rather than an errno or a stack trace.
 */
import { YAMLError } from "yaml";
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

/**
 * A YAML parse error's message without the excerpt the yaml package appends, and with the
 * position as words: `Nested mappings are not allowed in compact mappings (line 4, column 13)`.
 */
export function yamlProblem(error: YAMLError): string {
  const text = firstLine(error.message).replace(/ at line \d+, column \d+:?$/, "");
  const start = error.linePos?.[0];
  return start ? `${text} (line ${start.line}, column ${start.col})` : text;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? text;
}
