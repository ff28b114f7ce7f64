/**
 * MetricsServer: the upstream objects as pure builders (RBAC, command line, Deployment,
 * APIService), and under mocks only how the component wires them together.
 */
import { describe, expect, it } from "vitest";
import {
  aggregatedMetricsReaderRole,
  authDelegatorBinding,
  authReaderBinding,
  metricsApiService,
  metricsServerArgs,
  metricsServerDeployment,
  metricsServerRole,
  metricsServerRoleBinding,
  metricsServerService,
  metricsServerServiceAccount,
  metricsServerSubject,
} from "../components/metricsServer/manifests";
import { versions } from "../components/versions";
import { type MockRun, type Recorded, startMockRun, thrownMessage } from "./harness";

const TYPES = {
  component: "k8s-flux:metricsServer:MetricsServer",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  service: "kubernetes:core/v1:Service",
  deployment: "kubernetes:apps/v1:Deployment",
  apiService: "kubernetes:apiregistration.k8s.io/v1:APIService",
} as const;

const LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "metrics-server",
  "app.kubernetes.io/name": "metrics-server",
};
const SUBJECT = { kind: "ServiceAccount", name: "metrics-server", namespace: "kube-system" };
const UPSTREAM_ARGS = [
  "--cert-dir=/tmp",
  "--secure-port=10250",
  "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
  "--kubelet-use-node-status-port",
  "--metric-resolution=15s",
];
const RBAC_GROUP = "rbac.authorization.k8s.io";

describe("metricsServerArgs", () => {
  it("is the upstream command line at the upstream 15s resolution", () => {
    expect(metricsServerArgs(15)).toEqual(UPSTREAM_ARGS);
  });

  it("takes another resolution, and only that flag changes", () => {
    expect(metricsServerArgs(60)).toEqual([
      ...UPSTREAM_ARGS.slice(0, 4),
      "--metric-resolution=60s",
    ]);
  });
});

describe("the Metrics Server manifests", () => {
  it("name the ServiceAccount metrics-server, in kube-system", () => {
    expect(metricsServerServiceAccount()).toEqual({
      metadata: { name: "metrics-server", namespace: "kube-system", labels: LABELS },
    });
    expect(metricsServerSubject("metrics-server")).toEqual(SUBJECT);
  });

  it("aggregate metrics read access into view, edit and admin", () => {
    expect(aggregatedMetricsReaderRole()).toEqual({
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
    });
  });

  it("let the server read kubelet metrics, pods and nodes, and nothing else", () => {
    expect(metricsServerRole()).toEqual({
      metadata: { name: "system:metrics-server", labels: LABELS },
      rules: [
        { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
      ],
    });
  });

  it("bind the authentication reader Role in kube-system, and two ClusterRoles cluster-wide", () => {
    expect(authReaderBinding(SUBJECT)).toEqual({
      metadata: { name: "metrics-server-auth-reader", namespace: "kube-system", labels: LABELS },
      roleRef: {
        apiGroup: RBAC_GROUP,
        kind: "Role",
        name: "extension-apiserver-authentication-reader",
      },
      subjects: [SUBJECT],
    });
    expect(authDelegatorBinding(SUBJECT)).toEqual({
      metadata: { name: "metrics-server:system:auth-delegator", labels: LABELS },
      roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "system:auth-delegator" },
      subjects: [SUBJECT],
    });
    expect(metricsServerRoleBinding(SUBJECT, "system:metrics-server")).toEqual({
      metadata: { name: "system:metrics-server", labels: LABELS },
      roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "system:metrics-server" },
      subjects: [SUBJECT],
    });
  });

  it("serve port 443 to the pod's https port", () => {
    expect(metricsServerService(true)).toEqual({
      metadata: { name: "metrics-server", namespace: "kube-system", labels: LABELS },
      spec: {
        selector: { "app.kubernetes.io/name": "metrics-server" },
        ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: "https" }],
      },
    });
  });

  it("run the pinned image as a system-critical, non-root pod with https probes", () => {
    const deployment = metricsServerDeployment({
      serviceAccountName: "metrics-server",
      metricResolutionSeconds: 15,
      waitForReadiness: true,
    });
    expect(deployment.metadata).toEqual({
      name: "metrics-server",
      namespace: "kube-system",
      labels: LABELS,
    });
    expect(deployment.spec.selector).toEqual({
      matchLabels: { "app.kubernetes.io/name": "metrics-server" },
    });
    expect(deployment.spec.strategy).toEqual({ rollingUpdate: { maxUnavailable: 0 } });
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe("metrics-server");
    expect(pod.priorityClassName).toBe("system-cluster-critical");
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.volumes).toEqual([{ name: "tmp-dir", emptyDir: {} }]);
    expect(pod.containers).toEqual([
      {
        name: "metrics-server",
        image: versions.metricsServerImage,
        args: UPSTREAM_ARGS,
        ports: [{ name: "https", containerPort: 10250, protocol: "TCP" }],
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
        resources: { requests: { cpu: "100m", memory: "200Mi" }, limits: { memory: "400Mi" } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 1000,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        },
        volumeMounts: [{ name: "tmp-dir", mountPath: "/tmp" }],
      },
    ]);
  });

  it("tell Pulumi not to wait for the Service and Deployment only when asked", () => {
    const deployment = (waitForReadiness: boolean) =>
      metricsServerDeployment({
        serviceAccountName: "metrics-server",
        metricResolutionSeconds: 15,
        waitForReadiness,
      });
    expect(metricsServerService(false).metadata.annotations).toEqual({
      "pulumi.com/skipAwait": "true",
    });
    expect(deployment(false).metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect("annotations" in metricsServerService(true).metadata).toBe(false);
    expect("annotations" in deployment(true).metadata).toBe(false);
  });

  it("register v1beta1.metrics.k8s.io with the upstream priorities", () => {
    expect(metricsApiService("metrics-server")).toEqual({
      metadata: { name: "v1beta1.metrics.k8s.io", labels: LABELS },
      spec: {
        group: "metrics.k8s.io",
        version: "v1beta1",
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 100,
        versionPriority: 100,
        service: { name: "metrics-server", namespace: "kube-system" },
      },
    });
  });
});

async function build(args: { metricResolutionSeconds?: number; waitForReadiness?: boolean } = {}) {
  const run = await startMockRun("test");
  const { MetricsServer } = await import("../components/metricsServer");
  new MetricsServer("metrics-server", args);
  await run.settle();
  return run;
}

const deploymentOf = (run: MockRun): Recorded =>
  run.one(TYPES.deployment, "metrics-server-deployment");

describe("MetricsServer", () => {
  it("registers each upstream object once, named after the component and parented to it", async () => {
    const run = await build();
    const component = run.one(TYPES.component, "metrics-server");
    expect(component.custom).toBe(false);
    const children = run.resources.filter((r) => r.urn !== component.urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        `${TYPES.serviceAccount} metrics-server-serviceaccount`,
        `${TYPES.clusterRole} metrics-server-aggregated-reader`,
        `${TYPES.clusterRole} metrics-server-clusterrole`,
        `${TYPES.roleBinding} metrics-server-auth-reader`,
        `${TYPES.clusterRoleBinding} metrics-server-auth-delegator`,
        `${TYPES.clusterRoleBinding} metrics-server-clusterrolebinding`,
        `${TYPES.service} metrics-server-service`,
        `${TYPES.deployment} metrics-server-deployment`,
        `${TYPES.apiService} metrics-server-apiservice`,
      ].sort(),
    );
    expect(children.filter((r) => r.parent !== component.urn).map((r) => r.name)).toEqual([]);
  });

  it("binds the ServiceAccount it created, and the server ClusterRole by its name", async () => {
    const run = await build();
    const serviceAccount = run.one(TYPES.serviceAccount, "metrics-server-serviceaccount");
    const role = run.one(TYPES.clusterRole, "metrics-server-clusterrole");
    const bindings = [
      run.one(TYPES.roleBinding, "metrics-server-auth-reader"),
      run.one(TYPES.clusterRoleBinding, "metrics-server-auth-delegator"),
      run.one(TYPES.clusterRoleBinding, "metrics-server-clusterrolebinding"),
    ];
    for (const binding of bindings) {
      expect(binding.inputs["subjects"]).toEqual([SUBJECT]);
      expect(binding.dependencies).toContain(serviceAccount.urn);
    }
    expect(bindings[2]?.dependencies).toContain(role.urn);
  });

  it("starts the server after its RBAC, and registers the APIService after the server", async () => {
    const run = await build();
    const deployment = deploymentOf(run);
    for (const [type, name] of [
      [TYPES.roleBinding, "metrics-server-auth-reader"],
      [TYPES.clusterRoleBinding, "metrics-server-auth-delegator"],
      [TYPES.clusterRoleBinding, "metrics-server-clusterrolebinding"],
      [TYPES.serviceAccount, "metrics-server-serviceaccount"],
    ] as const) {
      expect(deployment.dependencies).toContain(run.one(type, name).urn);
    }
    const apiService = run.one(TYPES.apiService, "metrics-server-apiservice");
    expect(apiService.dependencies).toContain(deployment.urn);
    expect(apiService.dependencies).toContain(run.one(TYPES.service, "metrics-server-service").urn);
  });

  it("scrapes every 15s by default and passes another resolution through", async () => {
    const byDefault = await build();
    expect(deploymentOf(byDefault).inputs["spec"].template.spec.containers[0].args).toEqual(
      UPSTREAM_ARGS,
    );
    const every30s = await build({ metricResolutionSeconds: 30 });
    expect(deploymentOf(every30s).inputs["spec"].template.spec.containers[0].args).toEqual(
      metricsServerArgs(30),
    );
  });

  it("waits for the Service and Deployment by default, and not when told not to", async () => {
    const waiting = await build();
    expect(deploymentOf(waiting).inputs["metadata"].annotations).toBeUndefined();
    const notWaiting = await build({ waitForReadiness: false });
    for (const resource of [
      deploymentOf(notWaiting),
      notWaiting.one(TYPES.service, "metrics-server-service"),
    ]) {
      expect(resource.inputs["metadata"].annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    }
  });

  it("refuses a resolution that is not a whole number of seconds, before creating anything", async () => {
    for (const metricResolutionSeconds of [0, 1.5]) {
      const run = await startMockRun("test");
      const { MetricsServer } = await import("../components/metricsServer");
      expect(
        await thrownMessage(() => new MetricsServer("metrics-server", { metricResolutionSeconds })),
      ).toBe(
        `MetricsServer metrics-server: metricResolutionSeconds must be a whole number of seconds from 1, not ${metricResolutionSeconds}`,
      );
      await run.settle();
      expect(run.resources.map((r) => r.type)).toEqual([TYPES.component]);
    }
  });
});
