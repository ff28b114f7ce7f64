/**
 * A local fleet's project (the fleet stage's, the bench's): a copy of this project (links to the
 * program) in a directory of its own, with one stack config file per stack, each derived from
 * Pulumi.local.yaml and made as small as the program allows. The repository's Pulumi.*.yaml
 * files are never written.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepEncryptionSalt, LOCAL_STACK, prepareProjectCopy } from "./project";
import { readYamlDocument } from "../problems";
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
  const config = readYamlDocument(join(REPO_ROOT, `Pulumi.${LOCAL_STACK}.yaml`));
  for (const [key, value] of Object.entries({ ...stackSettings(stack), ...overrides })) {
    config.setIn(["config", key], value);
  }
  keepEncryptionSalt(config, file);
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
