/**
 * A tls resource provider bridged from the Terraform TLS provider, since pulumi-tls is not on
 * the Go module proxy. The Go sources beside this file are ours; shim/ reaches the Terraform
 * provider's internal packages (see its go.mod).
 */
import type { GoTool } from "../goTool";
import { installPlugin } from "../pulumi/installPlugin";
import { toolVersions } from "../versions";
import { tlsProviderEmbeds } from "./embeds";

const tls = toolVersions.pulumiTlsProvider;
const BRIDGE_MODULE = "github.com/pulumi/pulumi-terraform-bridge/v3";
const SHIM_MODULE = "github.com/hashicorp/terraform-provider-tls/shim";

export const tlsProviderTool: GoTool = {
  name: "pulumi-resource-tls",
  version: `v${tls.version}`,
  purpose: "the Pulumi tls provider the local stack deploys with",
  wrapperDir: __dirname,
  binaries: { "pulumi-resource-tls": "./cmd/pulumi-resource-tls" },
  requires: {
    "github.com/hashicorp/terraform-provider-tls": tls.terraformProvider,
    [BRIDGE_MODULE]: tls.bridge,
    [SHIM_MODULE]: "v0.0.0",
  },
  replaces: {
    [SHIM_MODULE]: "./shim",
    // Repeats the bridge's own replace line, which Go ignores outside that module.
    "github.com/hashicorp/terraform-plugin-sdk/v2":
      "github.com/pulumi/terraform-plugin-sdk/v2 v2.0.0-20260318212141-5525259d096b",
  },
  upstream: { module: BRIDGE_MODULE, version: tls.bridge },
  ldflags: [`-X k8sflux.local/pulumi/tls/providerinfo.Version=${tls.version}`],
  prepare: async (context) => ({ overlay: await tlsProviderEmbeds(context) }),
  plugin: { name: "tls", version: tls.version },
  install: (context) => installPlugin(tlsProviderTool, context),
};
