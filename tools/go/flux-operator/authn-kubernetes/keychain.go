// Package kubernetes stands in for go-containerregistry's pkg/authn/kubernetes: the Go module
// proxy refuses the version flux-operator requires and lists no other. The operator calls only
// NewFromPullSecrets, to read registry credentials from image pull Secrets; this is our own
// implementation of that one function. The local environment pulls no images, so it is enough
// that a Secret's credentials reach the registry they name.
package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
)

// NewFromPullSecrets returns a keychain holding the credentials of the given Secrets, in the
// kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg format, by registry host. For a host
// named in more than one Secret, the first Secret wins. Unknown hosts resolve to anonymous.
func NewFromPullSecrets(_ context.Context, secrets []corev1.Secret) (authn.Keychain, error) {
	keychain := hostKeychain{}
	for _, secret := range secrets {
		auths, err := registryAuths(secret)
		if err != nil {
			return nil, fmt.Errorf("pull secret %s/%s: %w", secret.Namespace, secret.Name, err)
		}
		for registry, config := range auths {
			host := registryHost(registry)
			if _, taken := keychain[host]; !taken {
				keychain[host] = config
			}
		}
	}
	return keychain, nil
}

func registryAuths(secret corev1.Secret) (map[string]authn.AuthConfig, error) {
	if data, ok := secret.Data[corev1.DockerConfigJsonKey]; ok {
		var config struct {
			Auths map[string]authn.AuthConfig `json:"auths"`
		}
		err := json.Unmarshal(data, &config)
		return config.Auths, err
	}
	if data, ok := secret.Data[corev1.DockerConfigKey]; ok {
		var auths map[string]authn.AuthConfig
		err := json.Unmarshal(data, &auths)
		return auths, err
	}
	return nil, nil
}

// registryHost reduces a docker config key ("https://index.docker.io/v1/", "ghcr.io") to the
// host a reference's RegistryStr names.
func registryHost(key string) string {
	host := key
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.Index(host, "/"); i >= 0 {
		host = host[:i]
	}
	if host == "docker.io" || host == "registry-1.docker.io" {
		return "index.docker.io"
	}
	return host
}

type hostKeychain map[string]authn.AuthConfig

func (k hostKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if config, ok := k[registryHost(target.RegistryStr())]; ok {
		return authn.FromConfig(config), nil
	}
	return authn.Anonymous, nil
}
