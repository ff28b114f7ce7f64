// Command pulumi-resource-tls serves the bridged TLS provider to the Pulumi engine.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"k8sflux.local/pulumi/tls/providerinfo"
)

// Both files come from pulumi-tfgen-tls at build time, through `go build -overlay`.
var (
	//go:embed schema.json
	schema []byte
	//go:embed bridge-metadata.json
	metadata []byte
)

func main() {
	pf.Main(context.Background(), "tls", providerinfo.Provider(metadata), pf.ProviderMetadata{PackageSchema: schema})
}
