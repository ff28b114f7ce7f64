// Command pulumi-tfgen-tls writes schema.json and bridge-metadata.json for the provider build.
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"k8sflux.local/pulumi/tls/providerinfo"
)

func main() {
	tfgen.Main("tls", providerinfo.Provider([]byte("{}")))
}
