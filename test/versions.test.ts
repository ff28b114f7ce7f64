/**
 * The pins themselves: every image and chart names one exact release, so two `pulumi up`s a
 * month apart deploy the same bits, and the Flux line moves only when the pin does. The tools
 * built for tests and local runs are pinned as exactly, and in step with what is deployed.
 */
import { describe, expect, it } from "vitest";
import packageJson from "../package.json";
import { versions } from "../components/versions";
import { toolVersions } from "../tools/go/versions";

const EXACT_SEMVER = /^v?[0-9]+\.[0-9]+\.[0-9]+$/;

const images = {
  externalDns: versions.externalDnsImage,
  sealedSecrets: versions.sealedSecretsImage,
  metricsServer: versions.metricsServerImage,
};

describe("version pins", () => {
  it.each(Object.entries(images))("pins the %s image to an exact release tag", (_, image) => {
    const match = /^([a-z0-9.-]+\/[a-z0-9./_-]+):([^:@/]+)$/.exec(image);
    expect(match, image).not.toBeNull();
    expect(match?.[2]).toMatch(EXACT_SEMVER);
  });

  it("pins both charts to exact versions, without a leading v", () => {
    expect(versions.fluxOperatorChart.version).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
    expect(versions.newRelicBundleChart.version).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
    expect(versions.fluxOperatorChart.chart).toMatch(/^oci:\/\/ghcr\.io\//);
    expect(versions.newRelicBundleChart.repository).toMatch(/^https:\/\//);
  });

  it("pins Flux to one 2.x minor line, so the operator never moves the minor by itself", () => {
    expect(versions.fluxDistribution.version).toMatch(/^2\.[0-9]+\.x$/);
    expect(versions.fluxDistribution.registry).toMatch(/^[a-z0-9.-]+\/[a-z0-9._/-]+$/);
  });
});

describe("tool version pins", () => {
  /** An exact tag, or the pseudo-version of one commit. */
  const EXACT_GO_VERSION = /^v[0-9]+\.[0-9]+\.[0-9]+(?:-(?:[0-9a-z.]+\.)?[0-9]{14}-[0-9a-f]{12})?$/;

  it("pins every Go module and toolchain to one exact release", () => {
    const pins = [
      toolVersions.kubeseal,
      toolVersions.kubernetes,
      toolVersions.etcd,
      toolVersions.pulumi,
      toolVersions.pulumiLanguageNodejs,
      toolVersions.pulumiTlsProvider.terraformProvider,
      toolVersions.pulumiTlsProvider.bridge,
      toolVersions.fluxOperator,
      toolVersions.fluxControllers,
      ...Object.values(toolVersions.pulumiKubernetesProvider.moduleVersions),
    ];
    for (const pin of pins) expect(pin).toMatch(EXACT_GO_VERSION);
    expect(toolVersions.fluxOperatorToolchain).toMatch(/^go[0-9]+\.[0-9]+\.[0-9]+$/);
  });

  it("builds the kubeseal and the operator that match the deployed image and chart", () => {
    expect(versions.sealedSecretsImage.endsWith(`:${toolVersions.kubeseal.slice(1)}`)).toBe(true);
    expect(toolVersions.fluxOperator).toBe(`v${versions.fluxOperatorChart.version}`);
  });

  it("builds the Pulumi engine and providers at the SDK versions in package.json", () => {
    expect(toolVersions.pulumi).toBe(`v${packageJson.dependencies["@pulumi/pulumi"]}`);
    expect(toolVersions.pulumiTlsProvider.version).toBe(packageJson.dependencies["@pulumi/tls"]);
    const kubernetes = toolVersions.pulumiKubernetesProvider;
    expect(kubernetes.version).toBe(packageJson.dependencies["@pulumi/kubernetes"]);
    expect(Object.keys(kubernetes.moduleVersions)).toContain(kubernetes.version);
  });
});
