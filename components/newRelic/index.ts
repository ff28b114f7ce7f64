import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ownedByThisStack } from "../shared/ownership";
import { standardLabels } from "../shared/workloads";
import { versions } from "../versions";
import { newRelicDefaults } from "./defaults";
import { LICENSE_SECRET, newRelicBundleValues } from "./values";

export interface NewRelicArgs {
  /** Shown as the cluster's name in New Relic. */
  readonly clusterName: pulumi.Input<string>;
  /** The ingest license key; kept a Pulumi secret even when given as plain text. */
  readonly licenseKey: pulumi.Input<string>;
  /** Defaults to `newrelic`, created by this component. */
  readonly namespace?: string;
}

/** The chart's release name, which names the objects it renders. */
const RELEASE_NAME = "newrelic-bundle";

/** New Relic's supported Kubernetes integration (nri-bundle), fed a license from a Secret. */
export class NewRelic extends pulumi.ComponentResource {
  /** The namespace the integration runs in, once it exists. */
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: NewRelicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:newRelic:NewRelic", name, {}, opts);

    const labels = standardLabels("newrelic");
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      ownedByThisStack({
        metadata: { name: args.namespace ?? newRelicDefaults.namespace, labels },
      }),
      { parent: this },
    );
    this.namespace = namespace.metadata.name;
    const license = new k8s.core.v1.Secret(
      `${name}-license`,
      {
        metadata: { name: LICENSE_SECRET.name, namespace: this.namespace, labels },
        type: "Opaque",
        stringData: { [LICENSE_SECRET.key]: pulumi.secret(args.licenseKey) },
      },
      { parent: this },
    );

    new k8s.helm.v4.Chart(
      `${name}-bundle`,
      {
        chart: versions.newRelicBundleChart.chart,
        version: versions.newRelicBundleChart.version,
        repositoryOpts: { repo: versions.newRelicBundleChart.repository },
        name: RELEASE_NAME,
        namespace: this.namespace,
        values: newRelicBundleValues(args.clusterName),
      },
      { parent: this, dependsOn: [license] },
    );

    this.registerOutputs({ namespace: this.namespace });
  }
}
