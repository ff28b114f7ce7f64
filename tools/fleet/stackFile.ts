/**
 * Each stack's config file, Pulumi.<stack>.yaml in the project directory, and the copy of it
 * the CLI is given instead. The CLI writes into the stack file it reads whenever that file
 * lacks the secrets provider's settings (a passphrase stack's `encryptionsalt`, say), taking
 * them from the stack's state or making new ones, and creates the file when there is none.
 * Given a copy (`--config-file`), it writes there, and the project directory stays as it was.
 *
 * Where there is no stack file at all, nothing is run: the stack's config is not here.
 */
import { copyFileSync, existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";

/**
 * Where the project keeps its stack files: Pulumi.yaml's `stackConfigDir`, relative to the
 * project, or the project directory itself. A string `config` is that setting's older spelling,
 * which the CLI still reads as it (sdk/go/common/workspace/project.go).
 */
export function stackConfigDirectory(
  projectDir: string,
  settings: Readonly<Record<string, unknown>>,
): string {
  const configured = settings["stackConfigDir"] ?? settings["config"];
  return typeof configured === "string" && configured !== ""
    ? resolve(projectDir, configured)
    : projectDir;
}

/**
 * Pulumi.<stack>.yaml in the stack config directory, named after the stack's own name (the last
 * part of `acme/k8s-flux/prod`), where the CLI looks for it.
 */
export function stackFilePath(configDir: string, stack: string): string {
  return join(configDir, `Pulumi.${stack.split("/").at(-1) ?? stack}.yaml`);
}

/** Why the stack cannot be run; undefined when its stack file is in `configDir`. */
export function missingStackFile(configDir: string, stack: string): string | undefined {
  const path = stackFilePath(configDir, stack);
  if (existsSync(path) && statSync(path).isFile()) return undefined;
  return `no stack file ${basename(path)} in ${configDir}; nothing was run`;
}

export interface StackFileCopy {
  /** The stack file in the project directory, never written. */
  readonly original: string;
  /** What the CLI reads, and writes to if it must. */
  readonly copy: string;
  /** The file as it was copied. */
  readonly copied: Buffer;
}

/** Copies the stack's file into `scratchDir`, one copy per stack. */
export function copyStackFile(configDir: string, stack: string, scratchDir: string): StackFileCopy {
  const original = stackFilePath(configDir, stack);
  const copy = join(scratchDir, `Pulumi.${stack.replaceAll("/", "__")}.yaml`);
  copyFileSync(original, copy);
  return { original, copy, copied: readFileSync(copy) };
}

/** Whether the CLI wrote into its copy: the settings the stack file lacks. */
export const copyWritten = (file: StackFileCopy): boolean =>
  !readFileSync(file.copy).equals(file.copied);

/** The log's line for a copy the CLI wrote into. */
export const copyWrittenNote = (file: StackFileCopy): string =>
  `fleet: the pulumi CLI added to its copy of ${file.original} what that file lacks (the secrets provider's settings, such as encryptionsalt); the file itself was left as it was\n`;
