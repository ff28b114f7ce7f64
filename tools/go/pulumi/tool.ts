/**
 * The Pulumi CLI, built at the version of @pulumi/pulumi in package.json, so the local engine
 * always matches the SDK. The Node.js language host is linked next to it (see
 * tools/go/pulumi-language-nodejs/).
 */
import type { GoTool } from "../goTool";
import { linkWhenBothBuilt } from "../pulumi-language-nodejs/link";
import { toolVersions } from "../versions";

export const PULUMI_VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const PKG_MODULE = "github.com/pulumi/pulumi/pkg/v3";

export const pulumiCliTool: GoTool = {
  name: "pulumi",
  version: toolVersions.pulumi,
  purpose: "the Pulumi CLI that runs the local stack (test:e2e, up:local, bench)",
  wrapperDir: __dirname,
  binaries: { pulumi: `${PKG_MODULE}/cmd/pulumi` },
  requires: { [PKG_MODULE]: toolVersions.pulumi },
  // Repeats pkg/v3's own replace line, which Go ignores outside that module.
  replaces: {
    "github.com/atotto/clipboard":
      "github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e",
  },
  upstream: { module: PKG_MODULE, version: toolVersions.pulumi },
  ldflags: [`-X ${PULUMI_VERSION_VARIABLE}=${toolVersions.pulumi}`],
  versionCheck: { binary: "pulumi", args: ["version"], expect: toolVersions.pulumi },
  install: linkWhenBothBuilt,
};
