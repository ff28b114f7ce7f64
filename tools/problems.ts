/**
 * Why a file or a YAML text could not be used, in one line of words: for command-line tools,
 * whose users get a sentence rather than an errno or a stack trace.
 */
import { YAMLError } from "yaml";
import { visibleText } from "../components/shared/quotedText";

/** Why a file or directory could not be read or written. */
export function fileProblem(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
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
