/**
 * Pulumi's Node.js language host. Its own module is not on the Go module proxy, so it comes from
 * the last sdk/v3 release that still contained it (see tools/go/versions.ts).
 */
import type { GoTool } from "../goTool";
import { PULUMI_VERSION_VARIABLE } from "../pulumi/tool";
import { toolVersions } from "../versions";
import { LANGUAGE_HOST_BINARY, linkWhenBothBuilt } from "./link";

const SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";
const version = toolVersions.pulumiLanguageNodejs;

export const languageHostTool: GoTool = {
  name: "pulumi-language-nodejs",
  version,
  purpose: "the Node.js language host the pulumi CLI runs this program with",
  wrapperDir: __dirname,
  binaries: { [LANGUAGE_HOST_BINARY]: `${SDK_MODULE}/nodejs/cmd/pulumi-language-nodejs` },
  requires: { [SDK_MODULE]: version },
  upstream: { module: SDK_MODULE, version },
  ldflags: [`-X ${PULUMI_VERSION_VARIABLE}=${version}`],
  install: linkWhenBothBuilt,
};
