import packageJson from "../../package.json";
import { versions } from "../../components/versions";

/**
 * Every Go-built tool's release, pinned in one place. None of it is deployed: these build the
 * tests' control plane, the local Pulumi engine and the programs the local GitOps stage runs.
 * Each build lands in the per-user tools cache as <name>-<version>/ (see tools/go/cache.ts).
 *
 * To upgrade: change the pin, run `npm run tools:build -- --repin <name>`, commit the wrapper's
 * go.mod and go.sum, and update the "checked" note.
 */
export const toolVersions = {
  /**
   * The kubeseal that matches the controller image in components/versions.ts, so the round-trip
   * test checks the exact format the cluster decrypts. Checked 2026-11-25: served by the Go module proxy under
   * github.com/bitnami-labs/sealed-secrets, whose go.mod names github.com/bitnami/sealed-secrets.
   */
  kubeseal: `v${versions.sealedSecretsImage.split(":").pop()}`,

  /** Checked 2026-11-25: on the proxy with its v0.36.3 staging modules; Flux 2.9 supports 1.36. */
  kubernetes: "v1.36.3",

  /** Checked 2026-11-25: newest etcd 3.6 server on the proxy; Kubernetes 1.36 uses 3.6 clients. */
  etcd: "v3.6.16",

  /** Checked 2026-11-25: pkg/v3 and sdk/v3 at @pulumi/pulumi's version are on the proxy. */
  pulumi: `v${packageJson.dependencies["@pulumi/pulumi"]}`,

  /** Checked 2026-11-25: its own module is not served; v3.68.0 is the last sdk/v3 holding it. */
  pulumiLanguageNodejs: "v3.68.0",

  /** Checked 2026-11-25: provider/v4 is served only at 4.25.0's tag commit, not 4.26.0-4.32.0. */
  pulumiKubernetesProvider: {
    version: packageJson.dependencies["@pulumi/kubernetes"],
    moduleVersions: { "4.25.0": "v4.0.0-20260115033456-f47bc2d6f199" },
  },

  /** Checked 2026-11-25: pulumi-tls is not served; we bridge the Terraform TLS provider. */
  pulumiTlsProvider: {
    version: packageJson.dependencies["@pulumi/tls"],
    terraformProvider: "v1.2.1-0.20260819085117-d044ca7c6f52",
    bridge: "v3.137.0",
  },

  /**
   * The operator the chart pin in components/versions.ts installs. Checked 2026-11-30 with
   * `go list -m -versions`: v0.59.0 is the only version the proxy lists; its go.mod says go 1.27.0.
   */
  fluxOperator: `v${versions.fluxOperatorChart.version}`,

  /**
   * The Go that builds the operator; this machine's Go is 1.26. Checked 2026-11-30: the proxy
   * serves golang.org/toolchain v0.0.1-go1.27.3.linux-amd64, which the go command fetches itself.
   */
  fluxOperatorToolchain: "go1.27.3",

  /**
   * source-controller and kustomize-controller at the tags of the Flux 2.9.5 the operator bundles
   * (its config/data/flux-images/v2.9.5/). Checked 2026-11-30 with `go list -m -versions`: both
   * are served at v1.9.5 (also v1.9.6, v1.10.0, v1.10.1); helm- and notification-controller are not.
   */
  fluxControllers: "v1.9.5",
} as const;
