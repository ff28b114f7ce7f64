/**
 * The kubernetes resource provider at @pulumi/kubernetes's version. main.go beside this file is
 * ours: upstream's main package embeds files generated at build time (see embeds.ts).
 */
import type { GoTool } from "../goTool";
import { installPlugin } from "../pulumi/installPlugin";
import { toolVersions } from "../versions";
import { kubernetesProviderEmbeds } from "./embeds";

export const KUBERNETES_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";

const provider = toolVersions.pulumiKubernetesProvider;

/** The provider module version that builds @pulumi/kubernetes's release, if one is known. */
export function kubernetesProviderModuleVersion(): string | undefined {
  return (provider.moduleVersions as Record<string, string | undefined>)[provider.version];
}

/** Why this pin cannot build at all, or undefined when it can. */
export function kubernetesProviderUnbuildable(): string | undefined {
  if (kubernetesProviderModuleVersion()) return undefined;
  const known = Object.keys(provider.moduleVersions).join(", ");
  return (
    `@pulumi/kubernetes ${provider.version} in package.json has no provider module the Go module ` +
    `proxy serves; pin @pulumi/kubernetes to ${known} or add its module version to ` +
    "toolVersions.pulumiKubernetesProvider in tools/go/versions.ts"
  );
}

const moduleVersion = kubernetesProviderModuleVersion() ?? "(none)";

export const kubernetesProviderTool: GoTool = {
  name: "pulumi-resource-kubernetes",
  version: `v${provider.version}`,
  purpose: "the Pulumi kubernetes provider the local stack deploys with",
  wrapperDir: __dirname,
  binaries: { "pulumi-resource-kubernetes": "." },
  requires: { [KUBERNETES_PROVIDER_MODULE]: moduleVersion },
  upstream: { module: KUBERNETES_PROVIDER_MODULE, version: moduleVersion },
  ldflags: [`-X ${KUBERNETES_PROVIDER_MODULE}/pkg/version.Version=${provider.version}`],
  prepare: async (context) => ({
    overlay: await kubernetesProviderEmbeds(context, KUBERNETES_PROVIDER_MODULE, provider.version),
  }),
  unbuildable: kubernetesProviderUnbuildable(),
  plugin: { name: "kubernetes", version: provider.version },
  install: (context) => installPlugin(kubernetesProviderTool, context),
};
