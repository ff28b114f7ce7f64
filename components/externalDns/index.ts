import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { argumentError, checkedWhenKnown, componentLabel } from "../shared/errors";
import { NO_ROLE_ANNOTATIONS, onlyRoleAnnotations } from "../shared/kube2iam";
import { ownedByThisStack } from "../shared/ownership";
import {
  eksClusterArnProblem,
  irsaTrustPolicy,
  kube2iamTrustPolicy,
  nodeRoleArnProblem,
  oidcProviderArnProblem,
  type PolicyDocument,
  podIdentityTrustPolicy,
  roleArnProblem,
} from "../shared/iamTrust";
import { annotationPrefixProblem } from "./annotations";
import { externalDnsDefaults, type ExternalDnsPolicy } from "./defaults";
import { domainFilterProblem } from "./domainFilters";
import { oidcIssuerOf, route53Policy, type Route53Zones } from "./iam";
import { type ExternalDnsIdentity, type RoleTrust, roleTrust } from "./identity";

/** The trust of a role this component creates; a role managed elsewhere brings its own. */
type TrustToWrite = Exclude<RoleTrust, { readonly principal: "managed elsewhere" }>;
import {
  EXTERNAL_DNS_SERVICE_ACCOUNT,
  externalDnsArgs,
  externalDnsClusterRole,
  externalDnsClusterRoleBinding,
  externalDnsDeployment,
  externalDnsNamespace,
  externalDnsServiceAccount,
} from "./manifests";

export interface ExternalDnsArgs {
  /** Written into every TXT ownership record; use the cluster's name so clusters never fight. */
  readonly txtOwnerId: pulumi.Input<string>;
  /** Domains External DNS may manage. Defaults to none listed: every domain the zones hold. */
  readonly domainFilters?: readonly pulumi.Input<string>[];
  /**
   * Route53 zone ids External DNS may read and change. Required unless `allZones` is true:
   * without them, it could change every zone the role reaches.
   */
  readonly hostedZoneIds?: readonly pulumi.Input<string>[];
  /** Lets External DNS change every zone of the account, with no `hostedZoneIds`. */
  readonly allZones?: boolean;
  /**
   * The AWS region its SDK resolves Route53's endpoint in, set as `AWS_REGION` and
   * `AWS_DEFAULT_REGION`. Required with kube2iam, which gives the pod no region; with IRSA, EKS's
   * webhook sets them when this is left out.
   */
  readonly region?: pulumi.Input<string>;
  /** `upsert-only` (the default) never deletes records; `sync` also deletes the ones it owns. */
  readonly policy?: ExternalDnsPolicy;
  /** Defaults to `{ mode: "irsa" }`. */
  readonly identity?: ExternalDnsIdentity;
  /**
   * Annotation prefix to read hostnames from: a lower-case DNS subdomain and a slash, such as
   * `dns.acme.io/`. Defaults to the upstream default.
   */
  readonly annotationPrefix?: string;
  /** Also read the `external-dns.alpha.kubernetes.io/` annotations older releases used. */
  readonly legacyAnnotations?: boolean;
  /** Defaults to `external-dns`, created by this component. */
  readonly namespace?: string;
  /**
   * An IAM role managed elsewhere (its trust and Route53 policy included). Given, no IAM role,
   * policy or OIDC lookup is made; the identity mode still decides how the pod assumes it.
   */
  readonly roleArn?: pulumi.Input<string>;
  /** Whether `pulumi up` waits for the controller to roll out. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

/** How messages name the component: by kind and name, as a user wrote them. */
const externalDnsLabel = (name: string): string => componentLabel("ExternalDns", name);

/**
 * External DNS for Route53: its IAM role (scoped to the configured zones), the identity wiring
 * for IRSA, EKS Pod Identity or kube2iam, and the controller with read-only cluster access.
 */
export class ExternalDns extends pulumi.ComponentResource {
  /** The IAM role the controller runs as: created here unless `roleArn` was given. */
  public readonly roleArn: pulumi.Output<string>;
  /** The namespace the controller runs in, once it exists. */
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: ExternalDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:externalDns:ExternalDns", name, {}, opts);
    const label = externalDnsLabel(name);
    const identity: ExternalDnsIdentity = args.identity ?? { mode: externalDnsDefaults.identity };
    const settled = roleTrust(identity, args.roleArn);
    if (!("trust" in settled)) {
      throw argumentError(this, label, settled.argument, settled.problem);
    }

    const hostedZoneIds = args.hostedZoneIds ?? externalDnsDefaults.hostedZoneIds;
    const allZones = args.allZones ?? externalDnsDefaults.allZones;
    const zonesProblem = zoneArgumentProblem(hostedZoneIds.length, allZones);
    if (zonesProblem !== undefined) {
      throw argumentError(this, label, zonesProblem.argument, zonesProblem.problem);
    }
    if (identity.mode === "kube2iam" && args.region === undefined) {
      throw argumentError(
        this,
        label,
        "region",
        "is required with identity mode kube2iam, which gives the pod no AWS region, and External DNS has no region flag; expected the region of the cluster, such as eu-west-1",
      );
    }

    // A filter given as text fails before anything is registered; one from another resource can
    // only be checked once known, during the update.
    const givenFilters = args.domainFilters ?? externalDnsDefaults.domainFilters;
    givenFilters.forEach((filter, index) => {
      const problem = typeof filter === "string" ? domainFilterProblem(filter) : undefined;
      if (problem !== undefined) {
        throw argumentError(this, label, `domainFilters[${index}]`, problem);
      }
    });
    const domainFilters = pulumi.all(
      givenFilters.map((filter, index) =>
        checkedWhenKnown(this, label, `domainFilters[${index}]`, filter, domainFilterProblem),
      ),
    );

    if (args.annotationPrefix !== undefined) {
      const problem = annotationPrefixProblem(args.annotationPrefix);
      if (problem !== undefined) {
        throw argumentError(this, label, "annotationPrefix", problem);
      }
    }

    const namespaceName = args.namespace ?? externalDnsDefaults.namespace;
    const trust = settled.trust;
    const roleAccess =
      trust.principal === "managed elsewhere"
        ? {
            roleArn: checkedWhenKnown(this, label, "roleArn", trust.roleArn, roleArnProblem),
            dependencies: [],
          }
        : this.createRole(
            name,
            { ...args, zones: allZones ? "every zone" : hostedZoneIds, domainFilters },
            trust,
            namespaceName,
          );
    this.roleArn = roleAccess.roleArn;

    // EKS injects Pod Identity credentials only into pods created after the association exists.
    const podIdentityAssociation =
      identity.mode === "pod-identity"
        ? new aws.eks.PodIdentityAssociation(
            `${name}-pod-identity`,
            {
              clusterName: identity.eksClusterName,
              namespace: namespaceName,
              serviceAccount: EXTERNAL_DNS_SERVICE_ACCOUNT,
              roleArn: this.roleArn,
            },
            { parent: this },
          )
        : undefined;

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      ownedByThisStack(
        externalDnsNamespace(
          namespaceName,
          // Exactly its role through kube2iam in that mode; none in the others, which need none.
          identity.mode === "kube2iam"
            ? this.roleArn.apply(onlyRoleAnnotations)
            : { ...NO_ROLE_ANNOTATIONS },
        ),
      ),
      { parent: this },
    );
    this.namespace = namespace.metadata.name;
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      externalDnsServiceAccount({
        namespace: this.namespace,
        identity: identity.mode,
        roleArn: this.roleArn,
      }),
      { parent: this },
    );
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-clusterrole`,
      externalDnsClusterRole(),
      { parent: this },
    );
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-clusterrolebinding`,
      externalDnsClusterRoleBinding({
        roleName: clusterRole.metadata.name,
        serviceAccount: { name: serviceAccount.metadata.name, namespace: namespaceName },
      }),
      { parent: this },
    );

    const controllerArgs = pulumi
      .all([pulumi.output(args.txtOwnerId), domainFilters, pulumi.all([...hostedZoneIds])])
      .apply(([txtOwnerId, domainFilters, zones]) =>
        externalDnsArgs({
          txtOwnerId,
          policy: args.policy ?? externalDnsDefaults.policy,
          domainFilters,
          hostedZoneIds: zones,
          ...(args.annotationPrefix ? { annotationPrefix: args.annotationPrefix } : {}),
          legacyAnnotations: args.legacyAnnotations ?? externalDnsDefaults.legacyAnnotations,
        }),
      );
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      externalDnsDeployment({
        namespace: namespaceName,
        serviceAccountName: serviceAccount.metadata.name,
        identity: identity.mode,
        roleArn: this.roleArn,
        args: controllerArgs,
        ...(args.region === undefined ? {} : { region: args.region }),
        waitForReadiness: args.waitForReadiness ?? externalDnsDefaults.waitForReadiness,
      }),
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
    args: Omit<ExternalDnsArgs, "domainFilters"> & {
      readonly zones: readonly pulumi.Input<string>[] | "every zone";
      /** Checked as they become known. */
      readonly domainFilters: pulumi.Output<string[]>;
    },
    trust: TrustToWrite,
    namespace: string,
  ): { roleArn: pulumi.Output<string>; dependencies: pulumi.Resource[] } {
    const trustPolicy = this.trustPolicy(name, trust, namespace);

    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        description: pulumi.interpolate`External DNS for cluster ${args.txtOwnerId} (managed by k8s-flux)`,
        assumeRolePolicy: trustPolicy.apply((document) => JSON.stringify(document)),
        tags: { "k8s-flux/cluster": args.txtOwnerId, "k8s-flux/component": "external-dns" },
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-route53`,
      {
        role: role.name,
        policy: pulumi
          .all([
            partition,
            args.zones === "every zone"
              ? pulumi.output<Route53Zones>(args.zones)
              : pulumi.all([...args.zones]),
            args.domainFilters,
          ])
          .apply(([p, zones, domainFilters]) =>
            JSON.stringify(route53Policy({ partition: p, zones, domainFilters })),
          ),
      },
      { parent: this },
    );
    return { roleArn: role.arn, dependencies: [rolePolicy] };
  }

  /**
   * The role's trust policy. ARNs known only once other resources exist are checked then, and
   * refused as the component's arguments are.
   */
  private trustPolicy(
    name: string,
    trust: TrustToWrite,
    namespace: string,
  ): pulumi.Output<PolicyDocument> {
    const label = externalDnsLabel(name);
    const irsa = (oidcProviderArn: string) =>
      irsaTrustPolicy({
        oidcProviderArn,
        namespace,
        serviceAccountName: EXTERNAL_DNS_SERVICE_ACCOUNT,
      });
    switch (trust.principal) {
      case "pod identity":
        // The cluster's own ARN, as EKS knows it: partition, region and account included.
        return checkedWhenKnown(
          this,
          label,
          "identity.eksClusterName",
          aws.eks.getClusterOutput({ name: trust.eksClusterName }, { parent: this }).arn,
          (clusterArn) => {
            const problem = eksClusterArnProblem(clusterArn);
            return problem === undefined ? undefined : `names a cluster whose ARN ${problem}`;
          },
        ).apply((clusterArn) =>
          podIdentityTrustPolicy({
            clusterArn,
            namespace,
            serviceAccountName: EXTERNAL_DNS_SERVICE_ACCOUNT,
          }),
        );
      case "node role":
        return checkedWhenKnown(
          this,
          label,
          "identity.nodeRoleArn",
          trust.nodeRoleArn,
          nodeRoleArnProblem,
        ).apply(kube2iamTrustPolicy);
      case "OIDC provider":
        return checkedWhenKnown(
          this,
          label,
          "identity.oidcProviderArn",
          trust.oidcProviderArn,
          oidcProviderArnProblem,
        ).apply(irsa);
      case "OIDC provider of the cluster":
        return this.lookUpOidcProviderArn(name, trust.eksClusterName).apply(irsa);
    }
  }

  /** Finds the IAM OIDC provider registered for an EKS cluster's issuer. */
  private lookUpOidcProviderArn(
    name: string,
    eksClusterName: pulumi.Input<string>,
  ): pulumi.Output<string> {
    const cluster = aws.eks.getClusterOutput({ name: eksClusterName }, { parent: this });
    const issuer = pulumi
      .all([pulumi.output(eksClusterName), cluster.identities])
      .apply(([clusterName, identities]) => {
        const url = oidcIssuerOf(identities);
        if (url === undefined) {
          throw new pulumi.ResourceError(
            `${externalDnsLabel(name)}: EKS cluster ${clusterName} has no OIDC issuer; associate an IAM OIDC provider with it, give identity.oidcProviderArn, or use identity mode pod-identity`,
            this,
            true,
          );
        }
        return url;
      });
    return aws.iam.getOpenIdConnectProviderOutput({ url: issuer }, { parent: this }).arn;
  }
}

/** Why the zone arguments cannot work together, naming the argument to change; or undefined. */
function zoneArgumentProblem(
  zoneCount: number,
  allZones: boolean,
): { readonly argument: string; readonly problem: string } | undefined {
  if (zoneCount === 0 && !allZones) {
    return {
      argument: "hostedZoneIds",
      problem:
        "is empty, which would let External DNS change records in every Route53 hosted zone of the account; expected the ids of the zones it may change, or allZones: true when every zone is intended",
    };
  }
  if (zoneCount > 0 && allZones) {
    return {
      argument: "allZones",
      problem: "is true, but hostedZoneIds lists zones; expected one or the other",
    };
  }
  return undefined;
}
