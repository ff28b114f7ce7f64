/**
 * The Flux Operator (cmd/operator), for the local GitOps stage. Two things keep its module from
 * building as published, and the wrapper works around both:
 * - the proxy refuses the go-containerregistry authn/kubernetes version it requires; a replace
 *   line points that module at our stand-in in authn-kubernetes/;
 * - its web UI package embeds dist/*, which npm builds at release and the module zip lacks; the
 *   build vendors the wrapper and adds a placeholder page there (the UI stays off locally).
 */
import type { GoTool } from "../goTool";
import { vendoredCopy } from "../vendor";
import { toolVersions } from "../versions";

export const FLUX_OPERATOR_MODULE = "github.com/controlplaneio-fluxcd/flux-operator";
const AUTHN_KUBERNETES_MODULE = "github.com/google/go-containerregistry/pkg/authn/kubernetes";
const version = toolVersions.fluxOperator;

const PLACEHOLDER_PAGE =
  "<!doctype html><title>Flux Operator</title><p>This build has no web UI: npm builds it at release.</p>\n";

export const fluxOperatorTool: GoTool = {
  name: "flux-operator",
  version,
  purpose: "the Flux Operator, for the local GitOps stage",
  wrapperDir: __dirname,
  binaries: { "flux-operator": `${FLUX_OPERATOR_MODULE}/cmd/operator` },
  requires: { [FLUX_OPERATOR_MODULE]: version },
  replaces: { [AUTHN_KUBERNETES_MODULE]: "./authn-kubernetes" },
  upstream: { module: FLUX_OPERATOR_MODULE, version },
  // Its go.mod says go 1.27; the go command fetches this release from the proxy by itself.
  toolchain: toolVersions.fluxOperatorToolchain,
  // Releases are built in FIPS 140 mode, and the operator refuses to start without it.
  env: { GOFIPS140: "latest" },
  // Releases stamp the version without the v (goreleaser's {{ .Version }}).
  ldflags: [`-X main.VERSION=${version.replace(/^v/, "")}`],
  prepare: async (context) => ({
    vendoredModule: await vendoredCopy(context, {
      [`${FLUX_OPERATOR_MODULE}/web/dist/index.html`]: PLACEHOLDER_PAGE,
    }),
  }),
};
