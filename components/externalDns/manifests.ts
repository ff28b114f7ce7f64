/**
 * External DNS's objects in the cluster, as pure functions of plain values (and of the names of
 * objects created before them): namespace, ServiceAccount, read-only RBAC and the controller.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { roleRef } from "../shared/rbac";
import { awaitMetadata } from "../shared/readiness";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "../shared/workloads";
import { versions } from "../versions";
import type { ExternalDnsIdentityMode, ExternalDnsPolicy } from "./defaults";

const NAME = "external-dns";
/** The ServiceAccount the IAM trust names; the role is assumed for it alone. */
export const EXTERNAL_DNS_SERVICE_ACCOUNT = NAME;
/** Cluster-scoped, so prefixed to keep it apart from anything else named external-dns. */
const CLUSTER_ROLE = "k8s-flux:external-dns";
const SELECTOR = { "app.kubernetes.io/name": NAME };
const LABELS = standardLabels("external-dns", SELECTOR);
// The upstream image is distroless and runs as this user.
const RUN_AS_USER = 65532;
const METRICS_PORT = 7979;

/** The controller's command line: sources, registry, owner, policy and one flag per filter. */
export function externalDnsArgs(args: {
  readonly txtOwnerId: string;
  readonly policy: ExternalDnsPolicy;
  readonly domainFilters: readonly string[];
  readonly hostedZoneIds: readonly string[];
  readonly annotationPrefix?: string;
  readonly legacyAnnotations: boolean;
}): string[] {
  return [
    "--provider=aws",
    "--source=service",
    "--source=ingress",
    "--registry=txt",
    `--txt-owner-id=${args.txtOwnerId}`,
    `--policy=${args.policy}`,
    ...args.domainFilters.map((domain) => `--domain-filter=${domain}`),
    ...args.hostedZoneIds.map((zone) => `--zone-id-filter=${zone}`),
    ...(args.annotationPrefix ? [`--annotation-prefix=${args.annotationPrefix}`] : []),
    ...(args.legacyAnnotations ? ["--enable-legacy-annotation-prefix"] : []),
  ];
}

/** The namespace, with the roles its pods may get from kube2iam or kiam on the nodes. */
export function externalDnsNamespace(
  name: string,
  roleAnnotations: pulumi.Input<Record<string, string>>,
) {
  return {
    metadata: { name, labels: LABELS, annotations: roleAnnotations },
  } satisfies k8s.core.v1.NamespaceArgs;
}

/** The ServiceAccount; with IRSA it names the role, which EKS's webhook injects credentials for. */
export function externalDnsServiceAccount(args: {
  readonly namespace: pulumi.Input<string>;
  readonly identity: ExternalDnsIdentityMode;
  readonly roleArn: pulumi.Input<string>;
}) {
  const annotations: Record<string, pulumi.Input<string>> = args.identity === "irsa"
    ? { "eks.amazonaws.com/role-arn": args.roleArn }
    : {};
  return {
    metadata: {
      name: EXTERNAL_DNS_SERVICE_ACCOUNT,
      namespace: args.namespace,
      labels: LABELS,
      annotations,
    },
    automountServiceAccountToken: true,
  } satisfies k8s.core.v1.ServiceAccountArgs;
}

/** Read access to the sources External DNS takes hostnames from, and to nodes; nothing else. */
export function externalDnsClusterRole() {
  return {
    metadata: { name: CLUSTER_ROLE, labels: LABELS },
    rules: [
      {
        apiGroups: [""],
        resources: ["services", "endpoints", "pods"],
        verbs: ["get", "watch", "list"],
      },
      {
        apiGroups: ["discovery.k8s.io"],
        resources: ["endpointslices"],
        verbs: ["get", "watch", "list"],
      },
      {
        apiGroups: ["extensions", "networking.k8s.io"],
        resources: ["ingresses"],
        verbs: ["get", "watch", "list"],
      },
      { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
    ],
  } satisfies k8s.rbac.v1.ClusterRoleArgs;
}

export function externalDnsClusterRoleBinding(args: {
  readonly roleName: pulumi.Input<string>;
  readonly serviceAccount: { readonly name: pulumi.Input<string>; readonly namespace: string };
}) {
  return {
    metadata: { name: CLUSTER_ROLE, labels: LABELS },
    roleRef: roleRef("ClusterRole", args.roleName),
    subjects: [{ kind: "ServiceAccount", ...args.serviceAccount }],
  } satisfies k8s.rbac.v1.ClusterRoleBindingArgs;
}

/** One controller, never two at once: two writers must never change the same zone together. */
export function externalDnsDeployment(args: {
  readonly namespace: string;
  readonly serviceAccountName: pulumi.Input<string>;
  readonly identity: ExternalDnsIdentityMode;
  readonly roleArn: pulumi.Input<string>;
  readonly args: pulumi.Input<string[]>;
  /** The AWS region the SDK resolves Route53's endpoint in, when known. */
  readonly region?: pulumi.Input<string>;
  readonly waitForReadiness: boolean;
}) {
  // kube2iam assumes the role the pod names, on the pod's behalf.
  const podAnnotations: Record<string, pulumi.Input<string>> = args.identity === "kube2iam"
    ? { "iam.amazonaws.com/role": args.roleArn }
    : {};
  return {
    metadata: {
      name: NAME,
      namespace: args.namespace,
      labels: LABELS,
      ...awaitMetadata(args.waitForReadiness),
    },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: SELECTOR },
      template: {
        metadata: {
          labels: LABELS,
          annotations: podAnnotations,
        },
        spec: {
          serviceAccountName: args.serviceAccountName,
          securityContext: restrictedPodSecurityContext(65534),
          containers: [
            {
              name: NAME,
              image: versions.externalDnsImage,
              args: args.args,
              // External DNS v0.23.0 has no region flag: its AWS SDK reads the region from the
              // environment (provider/aws/config.go), and kube2iam puts none there.
              ...(args.region === undefined
                ? {}
                : {
                    env: [
                      { name: "AWS_REGION", value: args.region },
                      { name: "AWS_DEFAULT_REGION", value: args.region },
                    ],
                  }),
              ports: [{ name: "http", containerPort: METRICS_PORT, protocol: "TCP" }],
              livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
              readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
              securityContext: restrictedContainerSecurityContext(RUN_AS_USER),
              resources: {
                requests: { cpu: "50m", memory: "64Mi" },
                limits: { cpu: "200m", memory: "128Mi" },
              },
            },
          ],
        },
      },
    },
  } satisfies k8s.apps.v1.DeploymentArgs;
}
