import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_NAMESPACES } from "./shared/namespaces";
import { roleRef } from "./shared/rbac";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "./shared/workloads";
import { awaitMetadata } from "./shared/readiness";
import { versions } from "./versions";

export interface MetricsServerArgs {
  /** Seconds between scrapes of each kubelet, as `--metric-resolution`. Defaults to 15. */
  readonly metricResolutionSeconds?: number;
  /** Whether `pulumi up` waits for the workload to become ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

const NAMESPACE = PLATFORM_NAMESPACES.kubeSystem;
const NAME = "metrics-server";
const SECURE_PORT = 10250;

/** The metrics-server command line, as the upstream manifest runs it. */
export function metricsServerArgs(metricResolutionSeconds = 15): string[] {
  return [
    "--cert-dir=/tmp",
    `--secure-port=${SECURE_PORT}`,
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    "--kubelet-use-node-status-port",
    `--metric-resolution=${metricResolutionSeconds}s`,
  ];
}

/**
 * Metrics Server, the source of `kubectl top` and of the Horizontal Pod Autoscaler's CPU and
 * memory figures: its RBAC, Service, Deployment and the `v1beta1.metrics.k8s.io` APIService.
 */
export class MetricsServer extends pulumi.ComponentResource {
  constructor(name: string, args: MetricsServerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:metricsServer:MetricsServer", name, {}, opts);

    const labels = standardLabels("metrics-server", { "app.kubernetes.io/name": NAME });
    const notWaiting = awaitMetadata(args.waitForReadiness ?? true);
    const selector = { "app.kubernetes.io/name": NAME };
    const childOpts = { parent: this };

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      { metadata: { name: NAME, namespace: NAMESPACE, labels } },
      childOpts,
    );
    const subject = {
      kind: "ServiceAccount",
      name: serviceAccount.metadata.name,
      namespace: NAMESPACE,
    };

    new k8s.rbac.v1.ClusterRole(
      `${name}-aggregated-reader`,
      {
        metadata: {
          name: "system:aggregated-metrics-reader",
          labels: {
            ...labels,
            // Folds read access to metrics into the built-in view, edit and admin roles.
            "rbac.authorization.k8s.io/aggregate-to-view": "true",
            "rbac.authorization.k8s.io/aggregate-to-edit": "true",
            "rbac.authorization.k8s.io/aggregate-to-admin": "true",
          },
        },
        rules: [
          {
            apiGroups: ["metrics.k8s.io"],
            resources: ["pods", "nodes"],
            verbs: ["get", "list", "watch"],
          },
        ],
      },
      childOpts,
    );
    const serverRole = new k8s.rbac.v1.ClusterRole(
      `${name}-clusterrole`,
      {
        metadata: { name: "system:metrics-server", labels },
        rules: [
          { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
          { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
        ],
      },
      childOpts,
    );
    const bindings = [
      new k8s.rbac.v1.RoleBinding(
        `${name}-auth-reader`,
        {
          metadata: { name: "metrics-server-auth-reader", namespace: NAMESPACE, labels },
          roleRef: roleRef("Role", "extension-apiserver-authentication-reader"),
          subjects: [subject],
        },
        childOpts,
      ),
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-auth-delegator`,
        {
          metadata: { name: "metrics-server:system:auth-delegator", labels },
          roleRef: roleRef("ClusterRole", "system:auth-delegator"),
          subjects: [subject],
        },
        childOpts,
      ),
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-clusterrolebinding`,
        {
          metadata: { name: "system:metrics-server", labels },
          roleRef: roleRef("ClusterRole", serverRole.metadata.name),
          subjects: [subject],
        },
        childOpts,
      ),
    ];

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: NAME, namespace: NAMESPACE, labels, ...notWaiting },
        spec: {
          selector,
          ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }],
        },
      },
      childOpts,
    );

    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: NAME, namespace: NAMESPACE, labels, ...notWaiting },
        spec: {
          selector: { matchLabels: selector },
          strategy: { rollingUpdate: { maxUnavailable: 0 } },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              priorityClassName: "system-cluster-critical",
              securityContext: restrictedPodSecurityContext(),
              containers: [
                {
                  name: NAME,
                  image: versions.metricsServerImage,
                  args: metricsServerArgs(args.metricResolutionSeconds),
                  ports: [{ name: "https", containerPort: SECURE_PORT, protocol: "TCP" }],
                  readinessProbe: {
                    httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" },
                    initialDelaySeconds: 20,
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  livenessProbe: {
                    httpGet: { path: "/livez", port: "https", scheme: "HTTPS" },
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  resources: {
                    requests: { cpu: "100m", memory: "200Mi" },
                    limits: { memory: "400Mi" },
                  },
                  securityContext: restrictedContainerSecurityContext(1000),
                  volumeMounts: [{ name: "tmp-dir", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp-dir", emptyDir: {} }],
            },
          },
        },
      },
      { parent: this, dependsOn: bindings },
    );

    new k8s.apiregistration.v1.APIService(
      `${name}-apiservice`,
      {
        metadata: { name: "v1beta1.metrics.k8s.io", labels },
        spec: {
          group: "metrics.k8s.io",
          version: "v1beta1",
          // metrics-server serves a self-signed certificate it makes at start-up.
          insecureSkipTLSVerify: true,
          groupPriorityMinimum: 100,
          versionPriority: 100,
          service: { name: service.metadata.name, namespace: NAMESPACE },
        },
      },
      { parent: this, dependsOn: [deployment] },
    );

    this.registerOutputs({});
  }
}
