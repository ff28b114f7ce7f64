/**
 * A working copy of the project for one local run: links to the program's sources and a copy of
 * Pulumi.local.yaml. `pulumi stack init` writes the passphrase's salt into the stack's config
 * file, and this keeps it out of the committed one; the kubeconfig path becomes absolute.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { CONFIG_NAMESPACE } from "../../stacks/names";
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
  const config = parseDocument(readFileSync(join(REPO_ROOT, `Pulumi.${LOCAL_STACK}.yaml`), "utf8"));
  config.setIn(["config", "kubernetes:kubeconfig"], kubeconfigPath);
  for (const [key, value] of Object.entries(settings)) {
    config.setIn(["config", `${CONFIG_NAMESPACE}:${key}`], value);
  }
  // The salt belongs to this copy's state; losing it would make the stack's secrets unreadable.
  if (existsSync(stackFile)) {
    const salt = parseDocument(readFileSync(stackFile, "utf8")).get("encryptionsalt");
    if (typeof salt === "string") config.set("encryptionsalt", salt);
  }
  writeFileSync(stackFile, config.toString());
  return dir;
}
