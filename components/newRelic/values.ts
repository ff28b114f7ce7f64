import type * as pulumi from "@pulumi/pulumi";

/** The Secret the chart reads the license from: its name and its one key. */
export const LICENSE_SECRET = { name: "newrelic-license", key: "licenseKey" } as const;

/**
 * The nri-bundle values. The chart only learns the Secret's name, never the key itself, so the
 * license stays out of the chart's values, the rendered manifests and Pulumi's state.
 */
export function newRelicBundleValues(clusterName: pulumi.Input<string>) {
  return {
    global: {
      cluster: clusterName,
      customSecretName: LICENSE_SECRET.name,
      customSecretLicenseKey: LICENSE_SECRET.key,
    },
    "newrelic-infrastructure": { enabled: true },
    // The infrastructure integration reads cluster state from kube-state-metrics.
    "kube-state-metrics": { enabled: true },
    "nri-kube-events": { enabled: true },
    // A cluster-wide mutating webhook whose certificate is set up by Helm hook Jobs; Pulumi
    // applies hooks as plain objects without their ordering, so it is left off.
    "nri-metadata-injection": { enabled: false },
  };
}
