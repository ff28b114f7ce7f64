/**
 * The CLI looks for its language hosts next to its own binary before anything else, and warns
 * when one comes from elsewhere; a relative link puts ours there.
 */
import { readlinkSync, rmSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import type { InstallContext } from "../goTool";

export const LANGUAGE_HOST_BINARY = "pulumi-language-nodejs";

export function linkLanguageHost(
  cliDir: string,
  hostDir: string,
  print: (line: string) => void,
): void {
  const link = join(cliDir, LANGUAGE_HOST_BINARY);
  const target = relative(cliDir, join(hostDir, LANGUAGE_HOST_BINARY));
  let current: string | undefined;
  try {
    current = readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current === target) return;
  rmSync(link, { force: true });
  symlinkSync(target, link);
  print(`linked ${LANGUAGE_HOST_BINARY} next to the pulumi CLI`);
}

/** The install step of both the CLI and the language host: whichever is rebuilt, relink. */
export async function linkWhenBothBuilt({ builtDir, print }: InstallContext): Promise<void> {
  const cli = builtDir("pulumi");
  const host = builtDir("pulumi-language-nodejs");
  if (cli && host) linkLanguageHost(cli, host, print);
}
