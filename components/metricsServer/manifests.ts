/**
 * Metrics Server's objects as upstream's manifest defines them, as pure functions of plain
 * values (and of the names of objects created before them): RBAC, Service, Deployment and the
 * `v1beta1.metrics.k8s.io` APIService.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PLATFORM_NAMESPACES } from "../shared/namespaces";
import { roleRef } from "../shared/rbac";
import { awaitMetadata } from "../shared/readiness";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "../shared/workloads";
import { versions } from "../versions";

/** Where upstream runs it; its APIService and RBAC name this namespace. */
export const METRICS_SERVER_NAMESPACE = PLATFORM_NAMESPACES.kubeSystem;
const NAME = "metrics-server";
const SECURE_PORT = 10250;
const SELECTOR = { "app.kubernetes.io/name": NAME };
const LABELS = standardLabels("metrics-server", SELECTOR);

type Subject = k8s.types.input.rbac.v1.Subject;

/** The metrics-server command line, as the upstream manifest runs it. */
export function metricsServerArgs(metricResolutionSeconds: number): string[] {
  return [
    "--cert-dir=/tmp",
    `--secure-port=${SECURE_PORT}`,
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    "--kubelet-use-node-status-port",
    `--metric-resolution=${metricResolutionSeconds}s`,
  ];
}

export function metricsServerServiceAccount() {
  return {
    metadata: { name: NAME, namespace: METRICS_SERVER_NAMESPACE, labels: LABELS },
  } satisfies k8s.core.v1.ServiceAccountArgs;
}

/** Folds read access to metrics into the built-in view, edit and admin roles. */
export function aggregatedMetricsReaderRole() {
  return {
    metadata: {
      name: "system:aggregated-metrics-reader",
      labels: {
        ...LABELS,
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
  } satisfies k8s.rbac.v1.ClusterRoleArgs;
}

/** What the server itself reads: kubelet metrics, pods and nodes. */
export function metricsServerRole() {
  return {
    metadata: { name: "system:metrics-server", labels: LABELS },
    rules: [
      { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
    ],
  } satisfies k8s.rbac.v1.ClusterRoleArgs;
}

/** The ServiceAccount as a binding's subject. */
export function metricsServerSubject(serviceAccountName: pulumi.Input<string>): Subject {
  return { kind: "ServiceAccount", name: serviceAccountName, namespace: METRICS_SERVER_NAMESPACE };
}

/** Reading the API server's client CA, to authenticate the API server's requests. */
export function authReaderBinding(subject: Subject) {
  return {
    metadata: {
      name: "metrics-server-auth-reader",
      namespace: METRICS_SERVER_NAMESPACE,
      labels: LABELS,
    },
    roleRef: roleRef("Role", "extension-apiserver-authentication-reader"),
    subjects: [subject],
  } satisfies k8s.rbac.v1.RoleBindingArgs;
}

/** Delegating authentication and authorization of requests to the API server. */
export function authDelegatorBinding(subject: Subject) {
  return {
    metadata: { name: "metrics-server:system:auth-delegator", labels: LABELS },
    roleRef: roleRef("ClusterRole", "system:auth-delegator"),
    subjects: [subject],
  } satisfies k8s.rbac.v1.ClusterRoleBindingArgs;
}

export function metricsServerRoleBinding(subject: Subject, roleName: pulumi.Input<string>) {
  return {
    metadata: { name: "system:metrics-server", labels: LABELS },
    roleRef: roleRef("ClusterRole", roleName),
    subjects: [subject],
  } satisfies k8s.rbac.v1.ClusterRoleBindingArgs;
}

export function metricsServerService(waitForReadiness: boolean) {
  return {
    metadata: {
      name: NAME,
      namespace: METRICS_SERVER_NAMESPACE,
      labels: LABELS,
      ...awaitMetadata(waitForReadiness),
    },
    spec: {
      selector: SELECTOR,
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }],
    },
  } satisfies k8s.core.v1.ServiceArgs;
}

export function metricsServerDeployment(args: {
  readonly serviceAccountName: pulumi.Input<string>;
  readonly metricResolutionSeconds: number;
  readonly waitForReadiness: boolean;
}) {
  return {
    metadata: {
      name: NAME,
      namespace: METRICS_SERVER_NAMESPACE,
      labels: LABELS,
      ...awaitMetadata(args.waitForReadiness),
    },
    spec: {
      selector: { matchLabels: SELECTOR },
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: args.serviceAccountName,
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
  } satisfies k8s.apps.v1.DeploymentArgs;
}

/** Registers the metrics API with the API server, served by the Service. */
export function metricsApiService(serviceName: pulumi.Input<string>) {
  return {
    metadata: { name: "v1beta1.metrics.k8s.io", labels: LABELS },
    spec: {
      group: "metrics.k8s.io",
      version: "v1beta1",
      // metrics-server serves a self-signed certificate it makes at start-up.
      insecureSkipTLSVerify: true,
      groupPriorityMinimum: 100,
      versionPriority: 100,
      service: { name: serviceName, namespace: METRICS_SERVER_NAMESPACE },
    },
  } satisfies k8s.apiregistration.v1.APIServiceArgs;
}
