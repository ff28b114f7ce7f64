import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  type PolicyDocument,
  irsaTrustPolicy,
  kube2iamTrustPolicy,
  podIdentityTrustPolicy,
} from "./shared/iamTrust";
import { PLATFORM_NAMESPACES } from "./shared/namespaces";
import { awaitMetadata } from "./shared/readiness";
import { roleRef } from "./shared/rbac";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "./shared/workloads";
import { versions } from "./versions";

/** How the External DNS pod gets its AWS role. */
export type ExternalDnsIdentity =
  /** IAM Roles for Service Accounts; the OIDC provider is looked up unless its ARN is given. */
  | { readonly mode: "irsa"; readonly eksClusterName: string; readonly oidcProviderArn?: string }
  /** EKS Pod Identity: a pod identity association binds the ServiceAccount to the role. */
  | { readonly mode: "pod-identity"; readonly eksClusterName: string }
  /**
   * kube2iam on the nodes assumes the role named in the pod's annotation. The nodes' role is
   * needed only to write the trust policy of a role this program creates.
   */
  | { readonly mode: "kube2iam"; readonly nodeRoleArn?: string };

export interface ExternalDnsArgs {
  /** Written into every TXT ownership record; use the cluster's name so clusters never fight. */
  readonly txtOwnerId: string;
  /** Domains External DNS may manage. Empty means every domain the zones hold. */
  readonly domainFilters: readonly string[];
  /** Route53 zones External DNS may change. Empty means every zone in the account (warned). */
  readonly hostedZoneIds: readonly string[];
  /** `upsert-only` never deletes records; `sync` also deletes the ones it owns. */
  readonly policy: "upsert-only" | "sync";
  readonly identity: ExternalDnsIdentity;
  /** Annotation prefix to read hostnames from. Defaults to the upstream default. */
  readonly annotationPrefix?: string;
  /** Also read the `external-dns.alpha.kubernetes.io/` annotations older releases used. */
  readonly legacyAnnotations?: boolean;
  /** Defaults to `external-dns`, created by this component. */
  readonly namespace?: string;
  /**
   * An IAM role managed elsewhere (its trust and Route53 policy included). Given, no IAM role,
   * policy or OIDC lookup is made; the identity mode still decides how the pod assumes it.
   */
  readonly roleArn?: string;
  /** Whether `pulumi up` waits for the controller to roll out. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

const defaults = {
  namespace: PLATFORM_NAMESPACES.externalDns,
  serviceAccountName: "external-dns",
  // The upstream image is distroless and runs as this user.
  runAsUser: 65532,
  metricsPort: 7979,
} as const;

/** The Route53 permissions External DNS needs, limited to the given zones when there are any. */
export function route53Policy(hostedZoneIds: readonly string[], partition = "aws"): PolicyDocument {
  const zoneArns = hostedZoneIds.map((id) => `arn:${partition}:route53:::hostedzone/${id}`);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ChangeRecordsInManagedZones",
        Effect: "Allow",
        Action: "route53:ChangeResourceRecordSets",
        Resource: zoneArns.length > 0 ? zoneArns : `arn:${partition}:route53:::hostedzone/*`,
      },
      {
        Sid: "DiscoverZonesAndRecords",
        Effect: "Allow",
        Action: [
          "route53:ListHostedZones",
          "route53:ListResourceRecordSets",
          "route53:ListTagsForResources",
        ],
        Resource: "*",
      },
    ],
  };
}

/** The controller's command line: sources, registry, owner, policy and one flag per filter. */
function externalDnsArgs(args: ExternalDnsArgs): string[] {
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

/**
 * External DNS for Route53: its IAM role (scoped to the configured zones), the identity wiring
 * for IRSA, EKS Pod Identity or kube2iam, and the controller with read-only cluster access.
 */
export class ExternalDns extends pulumi.ComponentResource {
  public readonly roleArn: pulumi.Output<string>;
  public readonly namespace: string;

  constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:externalDns:ExternalDns", name, {}, opts);

    const namespace = args.namespace ?? defaults.namespace;
    const serviceAccountName = defaults.serviceAccountName;
    const labels = standardLabels("external-dns", { "app.kubernetes.io/name": "external-dns" });
    this.namespace = namespace;
    const roleAccess = args.roleArn
      ? { roleArn: pulumi.output(args.roleArn), dependencies: [] as pulumi.Resource[] }
      : this.createRole(name, args, namespace, serviceAccountName);
    const roleArn = roleAccess.roleArn;
    this.roleArn = roleArn;

    // EKS injects Pod Identity credentials only into pods created after the association exists.
    const podIdentityAssociation =
      args.identity.mode === "pod-identity"
        ? new aws.eks.PodIdentityAssociation(
            `${name}-pod-identity`,
            {
              clusterName: args.identity.eksClusterName,
              namespace,
              serviceAccount: serviceAccountName,
              roleArn,
            },
            { parent: this },
          )
        : undefined;

    const ns = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: namespace, labels } },
      { parent: this },
    );
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      {
        metadata: {
          name: serviceAccountName,
          namespace: ns.metadata.name,
          labels,
          annotations:
            args.identity.mode === "irsa" ? { "eks.amazonaws.com/role-arn": roleArn } : {},
        },
        automountServiceAccountToken: true,
      },
      { parent: this },
    );
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-clusterrole`,
      {
        metadata: { name: "k8s-flux:external-dns", labels },
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
      },
      { parent: this },
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-clusterrolebinding`,
      {
        metadata: { name: "k8s-flux:external-dns", labels },
        roleRef: roleRef("ClusterRole", clusterRole.metadata.name),
        subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
      },
      { parent: this },
    );

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: {
          name: "external-dns",
          namespace,
          labels,
          ...awaitMetadata(args.waitForReadiness ?? true),
        },
        spec: {
          replicas: 1,
          // Two controllers must never write the same zone at once.
          strategy: { type: "Recreate" },
          selector: { matchLabels: { "app.kubernetes.io/name": "external-dns" } },
          template: {
            metadata: {
              labels,
              annotations:
                args.identity.mode === "kube2iam" ? { "iam.amazonaws.com/role": roleArn } : {},
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              securityContext: restrictedPodSecurityContext(65534),
              containers: [
                {
                  name: "external-dns",
                  image: versions.externalDnsImage,
                  args: externalDnsArgs(args),
                  ports: [{ name: "http", containerPort: defaults.metricsPort, protocol: "TCP" }],
                  livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
                  readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
                  securityContext: restrictedContainerSecurityContext(defaults.runAsUser),
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { cpu: "200m", memory: "128Mi" },
                  },
                },
              ],
            },
          },
        },
      },
      {
        parent: this,
        // Start the controller only once it can read the cluster and its role can act on Route53.
        dependsOn: [
          binding,
          ...roleAccess.dependencies,
          ...(podIdentityAssociation ? [podIdentityAssociation] : []),
        ],
      },
    );

    this.registerOutputs({ roleArn: this.roleArn, namespace: this.namespace });
  }

  /** The role and its Route53 policy, trusted by the identity mode's principal. */
  private createRole(
    name: string,
    args: ExternalDnsArgs,
    namespace: string,
    serviceAccountName: string,
  ): { roleArn: pulumi.Output<string>; dependencies: pulumi.Resource[] } {
    // Built first: a malformed node role or OIDC provider ARN throws before any child exists.
    const trustPolicy = this.trustPolicy(name, args.identity, namespace, serviceAccountName);

    if (args.hostedZoneIds.length === 0) {
      pulumi.log.warn(
        "External DNS may change records in every Route53 hosted zone of the account, because k8s-flux:externalDns.hostedZoneIds is empty; list the zones to scope it.",
        this,
      );
    }

    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: `External DNS for cluster ${args.txtOwnerId} (managed by k8s-flux)`,
        assumeRolePolicy: trustPolicy.apply((document) => JSON.stringify(document)),
        tags: { "k8s-flux/cluster": args.txtOwnerId, "k8s-flux/component": "external-dns" },
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-route53`,
      {
        role: role.name,
        policy: partition.apply((p) => JSON.stringify(route53Policy(args.hostedZoneIds, p))),
      },
      { parent: this },
    );
    return { roleArn: role.arn, dependencies: [rolePolicy] };
  }

  private trustPolicy(
    name: string,
    identity: ExternalDnsIdentity,
    namespace: string,
    serviceAccountName: string,
  ): pulumi.Output<PolicyDocument> {
    switch (identity.mode) {
      case "pod-identity":
        return pulumi.output(podIdentityTrustPolicy());
      case "kube2iam":
        if (identity.nodeRoleArn === undefined) {
          throw new Error(
            `${name}: kube2iam needs the nodes' role ARN to write the trust policy of the role it creates`,
          );
        }
        return pulumi.output(kube2iamTrustPolicy(identity.nodeRoleArn));
      case "irsa":
        return identity.oidcProviderArn
          ? pulumi.output(
              irsaTrustPolicy({
                oidcProviderArn: identity.oidcProviderArn,
                namespace,
                serviceAccountName,
              }),
            )
          : lookUpOidcProviderArn(name, identity.eksClusterName, this).apply((arn) =>
              irsaTrustPolicy({ oidcProviderArn: arn, namespace, serviceAccountName }),
            );
    }
  }
}

/** The OIDC issuer URL in an EKS cluster's identities, as `aws.eks.getCluster` returns them. */
export function oidcIssuerOf(
  name: string,
  eksClusterName: string,
  identities: readonly { readonly oidcs: readonly { readonly issuer: string }[] }[],
): string {
  const url = identities[0]?.oidcs[0]?.issuer;
  if (!url) {
    throw new Error(
      `${name}: EKS cluster ${eksClusterName} has no OIDC issuer; associate an IAM OIDC provider with it, set k8s-flux:externalDns.oidcProviderArn, or use identity pod-identity`,
    );
  }
  return url;
}

/** Finds the IAM OIDC provider registered for an EKS cluster's issuer. */
function lookUpOidcProviderArn(
  name: string,
  eksClusterName: string,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const issuer = aws.eks
    .getClusterOutput({ name: eksClusterName }, { parent })
    .identities.apply((identities) => oidcIssuerOf(name, eksClusterName, identities));
  return aws.iam.getOpenIdConnectProviderOutput({ url: issuer }, { parent }).arn;
}
