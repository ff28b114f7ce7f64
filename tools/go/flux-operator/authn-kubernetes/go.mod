// Ours: stands in for go-containerregistry's pkg/authn/kubernetes (see keychain.go), through the
// replace line in ../go.mod. The module path is upstream's, so the operator's import resolves here.
module github.com/google/go-containerregistry/pkg/authn/kubernetes

go 1.26.0

require (
	github.com/google/go-containerregistry v0.21.9
	k8s.io/api v0.36.3
)
