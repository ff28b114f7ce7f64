/**
 * The sealed-secrets controller (cmd/controller), from the same wrapper module and release as
 * kubeseal, so the local GitOps stage decrypts with exactly the code the image runs.
 */
import { join } from "node:path";
import type { GoTool } from "../goTool";
import { DECLARED_MODULE, sealedSecretsPins } from "../kubeseal/tool";
import { toolVersions } from "../versions";

const version = toolVersions.kubeseal;

export const sealedSecretsControllerTool: GoTool = {
  name: "sealed-secrets-controller",
  version,
  purpose: "the sealed-secrets controller, for the local GitOps stage",
  wrapperDir: join(__dirname, "..", "kubeseal"),
  binaries: { "sealed-secrets-controller": `${DECLARED_MODULE}/cmd/controller` },
  ...sealedSecretsPins,
  ldflags: [`-X main.VERSION=${version}`],
  versionCheck: {
    binary: "sealed-secrets-controller",
    args: ["--version"],
    expect: `controller version: ${version}`,
  },
};
