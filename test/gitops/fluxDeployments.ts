/**
 * Deployments shaped like those the Flux Operator applies for Flux 2.9 (args, env, volumes and
 * resources as its bundled manifests give them), written here as test fixtures.
 */
import type { Deployment } from "../../tools/gitops/runner/deployment";

export function sourceControllerDeployment(namespace = "flux-system"): Deployment {
  return {
    metadata: { name: "source-controller", namespace },
    spec: {
      replicas: 1,
      template: {
        metadata: { labels: { app: "source-controller" } },
        spec: {
          serviceAccountName: "source-controller",
          containers: [
            {
              name: "manager",
              image: "ghcr.io/fluxcd/source-controller:v1.9.5",
              args: [
                "--events-addr=http://notification-controller.flux-system.svc.cluster.local./",
                "--watch-all-namespaces",
                "--log-level=info",
                "--log-encoding=json",
                "--enable-leader-election",
                "--storage-path=/data",
                "--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.",
              ],
              env: [
                {
                  name: "RUNTIME_NAMESPACE",
                  valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
                },
                { name: "TUF_ROOT", value: "/tmp/.sigstore" },
                {
                  name: "GOMEMLIMIT",
                  valueFrom: {
                    resourceFieldRef: { containerName: "manager", resource: "limits.memory" },
                  },
                },
              ],
              resources: {
                limits: { cpu: "1000m", memory: "1Gi" },
                requests: { cpu: "50m", memory: "64Mi" },
              },
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
}
