/**
 * Where relative paths on a command line start: the directory the user typed the command in.
 * `npm run` starts every script in the repository root and passes that directory as INIT_CWD.
 * INIT_CWD is inherited by everything below npm, so it counts only when npm started this very
 * script (npm_lifecycle_event); run any other way, the working directory is the user's.
 */
import { isAbsolute, relative, sep } from "node:path";
import { visibleText } from "../components/shared/quotedText";

export function userDirectory(
  script: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const initCwd = env.INIT_CWD;
  return env.npm_lifecycle_event === script && initCwd ? initCwd : cwd;
}

/**
 * An absolute path as a message shows it: from `userDir` when it is below it, else whole; with
 * every invisible character escaped, since a path is typed by the user or made from what they typed.
 */
export function shownPath(path: string, userDir: string): string {
  const below = relative(userDir, path);
  if (below === "") return ".";
  const outside = below === ".." || below.startsWith(`..${sep}`) || isAbsolute(below);
  return visibleText(outside ? path : below);
}
