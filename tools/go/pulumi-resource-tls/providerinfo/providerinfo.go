// Package providerinfo maps the Terraform TLS provider onto Pulumi's `tls` package, with the
// tokens @pulumi/tls uses: every resource and data source lives in the `index` module.
package providerinfo

import (
	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
)

// Version is the release of @pulumi/tls this build stands in for; the build stamps it.
var Version string

// Provider describes the bridged provider; metadata is the bridge-metadata.json that tfgen writes.
func Provider(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Version:      Version,
		GitHubOrg:    "hashicorp",
		License:      "Apache-2.0",
		Description:  "TLS keys and certificates, bridged from the Terraform TLS provider.",
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	info.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return info
}
