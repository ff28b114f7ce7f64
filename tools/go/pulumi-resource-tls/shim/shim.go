// Package shim hands the TLS provider's Terraform Plugin Framework implementation to the bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	tls "github.com/hashicorp/terraform-provider-tls/internal/provider"
)

// NewProvider returns the Terraform TLS provider, unconfigured.
func NewProvider() provider.Provider { return tls.New() }
