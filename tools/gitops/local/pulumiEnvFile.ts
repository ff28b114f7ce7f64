/**
 * pulumi-env.sh: the environment up:local runs the built pulumi CLI in, as a file a shell can
 * source, so that a person can run `pulumi ... --stack local` or `npm run seal -- --stack local`
 * against the local stack's own file backend (which no other backend setting points at). It holds
 * the passphrase only when it is the documented default one, which guards nothing real.
 */
import { renameSync, writeFileSync } from "node:fs";
import { toolDir } from "../../go/cache";
import { pulumiCliTool } from "../../go/pulumi/tool";
import { fileBackendUrl, pulumiEnvironment } from "../../pulumi/environment";

/** A value in single quotes for sh, whatever it holds. */
export function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The file's text; `base` is the environment up:local itself runs in. */
export function pulumiEnvScript(backendDir: string, base: NodeJS.ProcessEnv = process.env): string {
  const settings = pulumiEnvironment(base);
  // PATH keeps the shell's own after the CLI's directory; the backend is the local stack's.
  const others = Object.entries(settings).filter(
    ([name]) => name !== "PATH" && name !== "PULUMI_BACKEND_URL",
  );
  const lines = [
    "# Written by `npm run up:local`: the built pulumi CLI on the local stack's state. Source it in",
    "# a shell, then e.g. `pulumi stack output --stack local` or `npm run seal -- --stack local`.",
    `export PATH=${shellQuoted(toolDir(pulumiCliTool))}:"$PATH"`,
    `export PULUMI_BACKEND_URL=${shellQuoted(fileBackendUrl(backendDir))}`,
    ...others.map(([name, value]) => `export ${name}=${shellQuoted(value)}`),
  ];
  if (settings.PULUMI_CONFIG_PASSPHRASE === undefined) {
    lines.push(
      "# Set PULUMI_CONFIG_PASSPHRASE (or _FILE) as you did for `npm run up:local`; it is not kept here.",
    );
  }
  return `${lines.join("\n")}\n`;
}

export function writePulumiEnvFile(path: string, backendDir: string): void {
  writeFileSync(`${path}.tmp`, pulumiEnvScript(backendDir), { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
}
