import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { argumentError, componentLabel } from "../shared/errors";
import { metricsServerDefaults } from "./defaults";
import {
  aggregatedMetricsReaderRole,
  authDelegatorBinding,
  authReaderBinding,
  metricsApiService,
  metricsServerDeployment,
  metricsServerRole,
  metricsServerRoleBinding,
  metricsServerService,
  metricsServerServiceAccount,
  metricsServerSubject,
} from "./manifests";

export interface MetricsServerArgs {
  /** Seconds between scrapes of each kubelet, as `--metric-resolution`. Defaults to 15. */
  readonly metricResolutionSeconds?: number;
  /** Whether `pulumi up` waits for the workload to become ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

/**
 * Metrics Server, the source of `kubectl top` and of the Horizontal Pod Autoscaler's CPU and
 * memory figures, in kube-system as upstream runs it: its RBAC, Service, Deployment and the
 * `v1beta1.metrics.k8s.io` APIService.
 */
export class MetricsServer extends pulumi.ComponentResource {
  constructor(name: string, args: MetricsServerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:metricsServer:MetricsServer", name, {}, opts);

    const metricResolutionSeconds =
      args.metricResolutionSeconds ?? metricsServerDefaults.metricResolutionSeconds;
    if (!Number.isInteger(metricResolutionSeconds) || metricResolutionSeconds < 1) {
      throw argumentError(
        this,
        componentLabel("MetricsServer", name),
        "metricResolutionSeconds",
        `must be a whole number of seconds from 1, not ${metricResolutionSeconds}`,
      );
    }
    const waitForReadiness = args.waitForReadiness ?? metricsServerDefaults.waitForReadiness;
    const childOpts = { parent: this };

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      metricsServerServiceAccount(),
      childOpts,
    );
    const subject = metricsServerSubject(serviceAccount.metadata.name);

    new k8s.rbac.v1.ClusterRole(
      `${name}-aggregated-reader`,
      aggregatedMetricsReaderRole(),
      childOpts,
    );
    const serverRole = new k8s.rbac.v1.ClusterRole(
      `${name}-clusterrole`,
      metricsServerRole(),
      childOpts,
    );
    const bindings = [
      new k8s.rbac.v1.RoleBinding(`${name}-auth-reader`, authReaderBinding(subject), childOpts),
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-auth-delegator`,
        authDelegatorBinding(subject),
        childOpts,
      ),
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-clusterrolebinding`,
        metricsServerRoleBinding(subject, serverRole.metadata.name),
        childOpts,
      ),
    ];

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      metricsServerService(waitForReadiness),
      childOpts,
    );
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      metricsServerDeployment({
        serviceAccountName: serviceAccount.metadata.name,
        metricResolutionSeconds,
        waitForReadiness,
      }),
      { parent: this, dependsOn: bindings },
    );
    new k8s.apiregistration.v1.APIService(
      `${name}-apiservice`,
      metricsApiService(service.metadata.name),
      { parent: this, dependsOn: [deployment] },
    );

    this.registerOutputs({});
  }
}
