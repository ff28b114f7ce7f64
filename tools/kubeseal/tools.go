//go:build tools

// Package tools records kubeseal as a dependency of this wrapper module so that `go mod tidy`
// keeps every module it needs in go.mod and go.sum. It is never compiled.
package tools

import _ "github.com/bitnami/sealed-secrets/cmd/kubeseal"
