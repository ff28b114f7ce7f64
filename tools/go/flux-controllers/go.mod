// Our wrapper module for flux-controllers; see tool.ts beside this file.
// Written by `npm run tools:build -- --repin flux-controllers` from tools/go/versions.ts.
module k8sflux.local/go/flux-controllers

go 1.26.0

tool (
	github.com/fluxcd/kustomize-controller
	github.com/fluxcd/source-controller
)

require (
	github.com/fluxcd/kustomize-controller v1.9.5
	github.com/fluxcd/source-controller v1.9.5
)

replace (
	github.com/fluxcd/pkg/artifact => github.com/fluxcd/pkg/artifact v0.18.0
	github.com/opencontainers/go-digest => github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be
	gopkg.in/yaml.v3 => gopkg.in/yaml.v3 v3.0.1
	sigs.k8s.io/kustomize/api => sigs.k8s.io/kustomize/api v0.21.1
	sigs.k8s.io/kustomize/kyaml => sigs.k8s.io/kustomize/kyaml v0.21.1
)
