/**
 * Every upstream artifact this program deploys, pinned in one place.
 *
 * To upgrade: change the pin here, read that release's notes for breaking flags or RBAC changes,
 * run `npm test`, and update the "checked" note. Nothing else in the repository names a version.
 */
export const versions = {
  /**
   * Checked 2026-11-25: v0.23.0 is the newest tag on the Go module proxy (sigs.k8s.io/external-dns);
   * its docs/flags.md lists every flag we pass and makes `--policy` required.
   */
  externalDnsImage: "registry.k8s.io/external-dns/external-dns:v0.23.0",

  /**
   * Checked 2026-11-25: v0.59.0 is the newest flux-operator tag on the Go module proxy; the chart
   * version is the operator version without the `v`. It bundles Flux up to 2.9.5.
   */
  fluxOperatorChart: {
    chart: "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator",
    version: "0.59.0",
  },

  /**
   * Checked 2026-11-25: 2.9 is the newest Flux minor in the operator pinned above. `2.9.x` takes
   * its patch releases; a new minor is a deliberate change here (Flux refuses minor downgrades).
   */
  fluxDistribution: {
    version: "2.9.x",
    registry: "ghcr.io/fluxcd",
  },

  /**
   * Checked 2026-11-25 against RELEASE-NOTES.md of the v0.40.0 module: a complete release with
   * the /v1/verify and /v1/rotate decryption-oracle fixes; RBAC and CRD as in 0.36.
   */
  sealedSecretsImage: "docker.io/bitnami/sealed-secrets-controller:0.40.0",

  /**
   * Checked 2026-11-25 against the v0.9.0 module: supports Kubernetes 1.34+ (as Flux 2.9 does);
   * manifests/base args unchanged from v0.8.
   */
  metricsServerImage: "registry.k8s.io/metrics-server/metrics-server:v0.9.0",

  /**
   * Checked 2026-11-25: the newest nri-bundle tag in newrelic/helm-charts (snapshot of
   * 2026-08-21); the live index.yaml was not reachable from here.
   */
  newRelicBundleChart: {
    chart: "nri-bundle",
    repository: "https://helm-charts.newrelic.com",
    version: "8.0.18",
  },
} as const;
