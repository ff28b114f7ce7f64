/**
 * Flux's source-controller and kustomize-controller at the tags of the Flux release the operator
 * bundles, for the local GitOps stage. One wrapper builds both.
 */
import type { GoTool } from "../goTool";
import { toolVersions } from "../versions";

const SOURCE_CONTROLLER = "github.com/fluxcd/source-controller";
const KUSTOMIZE_CONTROLLER = "github.com/fluxcd/kustomize-controller";
const version = toolVersions.fluxControllers;

export const fluxControllersTool: GoTool = {
  name: "flux-controllers",
  version,
  purpose: "Flux's source-controller and kustomize-controller, for the local GitOps stage",
  wrapperDir: __dirname,
  binaries: {
    "source-controller": SOURCE_CONTROLLER,
    "kustomize-controller": KUSTOMIZE_CONTROLLER,
  },
  requires: { [SOURCE_CONTROLLER]: version, [KUSTOMIZE_CONTROLLER]: version },
  replaces: {
    // The controllers' own replace lines, which Go ignores outside their modules. Without the
    // go-digest one, go-digest/blake3 does not compile (undefined: digest.RegisterAlgorithm).
    "github.com/opencontainers/go-digest":
      "github.com/opencontainers/go-digest v1.0.1-0.20220411205349-bde1400a84be",
    "sigs.k8s.io/kustomize/api": "sigs.k8s.io/kustomize/api v0.21.1",
    "sigs.k8s.io/kustomize/kyaml": "sigs.k8s.io/kustomize/kyaml v0.21.1",
    "gopkg.in/yaml.v3": "gopkg.in/yaml.v3 v3.0.1",
    // source-controller requires v0.18.3, which the proxy refuses; v0.18.0 is the newest it lists.
    "github.com/fluxcd/pkg/artifact": "github.com/fluxcd/pkg/artifact v0.18.0",
  },
  upstream: { module: SOURCE_CONTROLLER, version },
  // `go mod tidy` would also resolve their test dependencies, some of which the proxy refuses
  // (github.com/fluxcd/pkg/helmtestserver).
  resolveWith: "build",
};
