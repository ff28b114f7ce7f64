/**
 * The Pulumi engine and plugins we build from the Go module proxy, each through a wrapper module
 * of ours next to this file. Versions come from components/versions.ts, which reads the npm
 * packages' versions from package.json, so the CLI and providers always match the SDKs.
 */
import { join } from "node:path";
import { toolVersions } from "../../components/versions";
import { TOOLS_ROOT } from "./layout";

export interface GoTool {
  /** Directory name under .cache/tools (with the version) and the name in messages. */
  name: string;
  /** The release this build stands for: the directory key and the stamped version. */
  version: string;
  /** Our wrapper module, committed next to this file. */
  wrapperDir: string;
  /** Modules the wrapper must require at exactly these versions. */
  requires: Record<string, string>;
  /** Main packages built into the tool directory, keyed by binary name. */
  binaries: Record<string, string>;
  /** `-X` assignments that stamp the version into the binaries. */
  stamps: Record<string, string>;
  /** Set for resource providers: the plugin name `pulumi plugin install resource` registers. */
  plugin?: { name: string; version: string };
}

const PULUMI_VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";

export const cliTool: GoTool = {
  name: "pulumi",
  version: toolVersions.pulumi,
  wrapperDir: join(__dirname, "cli"),
  requires: { "github.com/pulumi/pulumi/pkg/v3": toolVersions.pulumi },
  binaries: { pulumi: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi" },
  stamps: { [PULUMI_VERSION_VARIABLE]: toolVersions.pulumi },
};

export const languageHostTool: GoTool = {
  name: "pulumi-language-nodejs",
  version: toolVersions.pulumiLanguageNodejs,
  wrapperDir: join(__dirname, "language-nodejs"),
  requires: { "github.com/pulumi/pulumi/sdk/v3": toolVersions.pulumiLanguageNodejs },
  binaries: {
    "pulumi-language-nodejs": "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs",
  },
  stamps: { [PULUMI_VERSION_VARIABLE]: toolVersions.pulumiLanguageNodejs },
};

const kubernetes = toolVersions.pulumiKubernetesProvider;

/** The provider module version that builds @pulumi/kubernetes's release, if one is known. */
export function kubernetesProviderModuleVersion(): string | undefined {
  return (kubernetes.moduleVersions as Record<string, string | undefined>)[kubernetes.version];
}

export const KUBERNETES_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";

export const kubernetesProviderTool: GoTool = {
  name: "pulumi-resource-kubernetes",
  version: `v${kubernetes.version}`,
  wrapperDir: join(__dirname, "kubernetes"),
  requires: { [KUBERNETES_PROVIDER_MODULE]: kubernetesProviderModuleVersion() ?? "(none)" },
  binaries: { "pulumi-resource-kubernetes": "." },
  stamps: { [`${KUBERNETES_PROVIDER_MODULE}/pkg/version.Version`]: kubernetes.version },
  plugin: { name: "kubernetes", version: kubernetes.version },
};

const tls = toolVersions.pulumiTlsProvider;

export const tlsProviderTool: GoTool = {
  name: "pulumi-resource-tls",
  version: `v${tls.version}`,
  wrapperDir: join(__dirname, "tls"),
  requires: {
    "github.com/hashicorp/terraform-provider-tls": tls.terraformProvider,
    "github.com/pulumi/pulumi-terraform-bridge/v3": tls.bridge,
  },
  binaries: { "pulumi-resource-tls": "./cmd/pulumi-resource-tls" },
  stamps: { "k8sflux.local/pulumi/tls/providerinfo.Version": tls.version },
  plugin: { name: "tls", version: tls.version },
};

/** In build order: the CLI first, since installing the providers needs it. */
export const allTools = [cliTool, languageHostTool, kubernetesProviderTool, tlsProviderTool];

export function toolDir(tool: GoTool): string {
  return join(TOOLS_ROOT, `${tool.name}-${tool.version}`);
}

export function binaryPath(tool: GoTool, binary: string = tool.name): string {
  return join(toolDir(tool), binary);
}
