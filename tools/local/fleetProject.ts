/**
 * A local fleet's project (the fleet stage's, the bench's): a copy of this project (links to the
 * program) in a directory of its own, with one stack config file per stack, each derived from
 * Pulumi.local.yaml and made as small as the program allows. The repository's Pulumi.*.yaml
 * files are never written.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { prepareProjectCopy } from "./project";
import { REPO_ROOT } from "../repoRoot";

export interface FleetStack {
  readonly name: string;
  /** Its one tenant; the tenant's RoleBinding is `app-<tenant>-workloads-admin`. */
  readonly tenant: string;
  readonly kubeconfigPath: string;
}

/** Everything a local stack can do without, switched off: one tenant is what remains. */
function stackSettings(stack: FleetStack): Record<string, unknown> {
  return {
    "kubernetes:kubeconfig": stack.kubeconfigPath,
    "k8s-flux:clusterName": stack.name,
    "k8s-flux:applications": [
      { name: stack.tenant, repository: `git@github.com:acme/${stack.tenant}-flux.git` },
    ],
    "k8s-flux:externalDns": { enabled: false },
    "k8s-flux:sealedSecrets": { enabled: false },
    "k8s-flux:metricsServer": { enabled: false },
  };
}

/** Pulumi.<stack>.yaml in `projectDir`, from the repository's Pulumi.local.yaml and `overrides`. */
export function writeStackConfig(
  projectDir: string,
  stack: FleetStack,
  overrides: Record<string, unknown> = {},
): void {
  const file = join(projectDir, `Pulumi.${stack.name}.yaml`);
  const config = parseDocument(readFileSync(join(REPO_ROOT, "Pulumi.local.yaml"), "utf8"));
  for (const [key, value] of Object.entries({ ...stackSettings(stack), ...overrides })) {
    config.setIn(["config", key], value);
  }
  // `pulumi stack init` wrote the passphrase's salt here; the stack's secrets need it.
  if (existsSync(file)) {
    const salt = parseDocument(readFileSync(file, "utf8")).get("encryptionsalt");
    if (typeof salt === "string") config.set("encryptionsalt", salt);
  }
  writeFileSync(file, config.toString());
}

/** The project copy with a config file per stack; returns its directory. */
export function prepareFleetProject(projectDir: string, stacks: readonly FleetStack[]): string {
  const [first] = stacks;
  if (!first) throw new Error("a fleet needs at least one stack");
  // The links to the program and Pulumi.yaml; its Pulumi.local.yaml goes unused.
  prepareProjectCopy(projectDir, first.kubeconfigPath);
  for (const stack of stacks) writeStackConfig(projectDir, stack);
  return projectDir;
}
