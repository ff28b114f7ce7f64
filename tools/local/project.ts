/**
 * A working copy of the project for one local run: links to the program's sources and a copy of
 * Pulumi.local.yaml. `pulumi stack init` writes the passphrase's salt into the stack's config
 * file, and this keeps it out of the committed one; the kubeconfig path becomes absolute.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Document } from "yaml";
import { CONFIG_NAMESPACE } from "../../stacks/names";
import { readYamlDocument } from "../problems";
import { REPO_ROOT } from "../repoRoot";

export const LOCAL_STACK = "local";

const LINKED = [
  "index.ts",
  "components",
  "stacks",
  "node_modules",
  "package.json",
  "tsconfig.json",
];

/**
 * Creates (or refreshes) the copy in `dir` and returns its path. `settings` replaces whole
 * `k8s-flux:` settings of the local stack (the benchmark's generated stacks).
 */
export function prepareProjectCopy(
  dir: string,
  kubeconfigPath: string,
  settings: Record<string, unknown> = {},
): string {
  mkdirSync(dir, { recursive: true });
  for (const name of LINKED) {
    const link = join(dir, name);
    if (!existsSync(link)) symlinkSync(join(REPO_ROOT, name), link);
  }
  writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(REPO_ROOT, "Pulumi.yaml")));

  const stackFile = join(dir, `Pulumi.${LOCAL_STACK}.yaml`);
  const config = readYamlDocument(join(REPO_ROOT, `Pulumi.${LOCAL_STACK}.yaml`));
  config.setIn(["config", "kubernetes:kubeconfig"], kubeconfigPath);
  for (const [key, value] of Object.entries(settings)) {
    config.setIn(["config", `${CONFIG_NAMESPACE}:${key}`], value);
  }
  keepEncryptionSalt(config, stackFile);
  writeFileSync(stackFile, config.toString());
  return dir;
}

/**
 * Copies the passphrase's salt that `pulumi stack init` wrote into `stackFile` to `config`, its
 * replacement: the salt belongs to the stack's state, and without it the stack's secrets cannot be
 * read. A `stackFile` that is not YAML is refused, not overwritten, since it holds the only copy.
 */
export function keepEncryptionSalt(config: Document, stackFile: string): void {
  if (!existsSync(stackFile)) return;
  const salt = readYamlDocument(stackFile).get("encryptionsalt");
  if (typeof salt === "string") config.set("encryptionsalt", salt);
}
