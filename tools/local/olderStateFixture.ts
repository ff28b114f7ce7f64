/**
 * The state an older version of the program left: the local stack as the program at a past
 * commit brought it up, exported with the stack config file it ran with. `npm run
 * fixtures:older-state` (olderState.ts beside this file) makes it; the fault stage's
 * test/faults/olderState.spec.ts updates it with the current program. It is never edited by hand.
 *
 * Its files, in test/faults/fixtures/older-state/<commit>/:
 * - state.json: `pulumi stack export`; secrets stay ciphertext under the local stack's
 *   passphrase (LOCAL_STACK_PASSPHRASE), with the salt from the config file;
 * - Pulumi.local.yaml: the commit's own Pulumi.local.yaml, as `pulumi stack init` left it (with
 *   the encryption salt);
 * - provenance.json: the commit, when and how the fixture was made, the tool versions.
 */
import { isAbsolute, join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../repoRoot";
import { LOCAL_STACK } from "./project";

/**
 * The commit the round's issues (issue 14 among them) were filed at: the program as it was before
 * the structure work (7db37fe moved scripts/ to tools/, 5aaf98d split the config layer), so the
 * oldest state this version must update in place, and the oldest one it is tested against.
 */
export const OLDER_STATE_COMMIT = "c59644c";

export const olderStateFixtureDir = (commit: string = OLDER_STATE_COMMIT): string =>
  join(REPO_ROOT, "test", "faults", "fixtures", "older-state", commit);

export const OLDER_STATE_FILES = {
  state: "state.json",
  config: `Pulumi.${LOCAL_STACK}.yaml`,
  provenance: "provenance.json",
} as const;

/** PEM armour of a private key of any kind: none may be in a fixture in plaintext. */
export const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/**
 * Where a stack config file has the Kubernetes provider read its kubeconfig, relative to the
 * project directory. The path is one of the provider's inputs in state: an update that gives the
 * same path finds the same provider, while a changed one could have the provider, and every
 * object it manages, replaced. So the fixture is made, and updated, with the kubeconfig at this
 * path inside the project directory.
 */
export function kubeconfigSetting(configText: string): string {
  const config = (parse(configText) as { config?: Record<string, unknown> } | null)?.config;
  const path = config?.["kubernetes:kubeconfig"];
  if (typeof path !== "string" || path === "" || isAbsolute(path)) {
    throw new Error(
      `expected kubernetes:kubeconfig in the stack config file to be a path relative to the project, found ${JSON.stringify(path)}`,
    );
  }
  return path;
}
