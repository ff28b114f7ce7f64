/**
 * How the External DNS pod gets its AWS role, and what the role it runs as must trust: settled
 * from the arguments before anything is created, as a pure function.
 */
import type * as pulumi from "@pulumi/pulumi";
import { nodeRoleArnProblem, oidcProviderArnProblem, roleArnProblem } from "../shared/iamTrust";

/** How the External DNS pod gets its AWS role. */
export type ExternalDnsIdentity =
  /**
   * IAM Roles for Service Accounts: the role trusts the cluster's OIDC provider for the
   * ServiceAccount's token. The provider is looked up from the EKS cluster unless its ARN is
   * given; neither is needed when `roleArn` is given.
   */
  | {
      readonly mode: "irsa";
      readonly eksClusterName?: pulumi.Input<string>;
      readonly oidcProviderArn?: pulumi.Input<string>;
    }
  /** EKS Pod Identity: a pod identity association on the cluster binds the ServiceAccount. */
  | { readonly mode: "pod-identity"; readonly eksClusterName: pulumi.Input<string> }
  /**
   * kube2iam on the nodes assumes the role named in the pod's annotation. The nodes' role is
   * needed only to write the trust policy of a role this component creates.
   */
  | { readonly mode: "kube2iam"; readonly nodeRoleArn?: pulumi.Input<string> };

/** Who may assume the role External DNS runs as. */
export type RoleTrust =
  /** The role is managed elsewhere, its trust included. */
  | { readonly principal: "managed elsewhere"; readonly roleArn: pulumi.Input<string> }
  /** The EKS Pod Identity service, for this one cluster (its ARN is looked up by name). */
  | { readonly principal: "pod identity"; readonly eksClusterName: pulumi.Input<string> }
  | { readonly principal: "node role"; readonly nodeRoleArn: pulumi.Input<string> }
  | { readonly principal: "OIDC provider"; readonly oidcProviderArn: pulumi.Input<string> }
  | {
      readonly principal: "OIDC provider of the cluster";
      readonly eksClusterName: pulumi.Input<string>;
    };

type Refusal = { readonly argument: string; readonly problem: string };

/** A text argument checked now; one that comes from another resource is checked once known. */
function checkNow(
  argument: string,
  value: pulumi.Input<string>,
  problemOf: (text: string) => string | undefined,
): Refusal | undefined {
  const problem = typeof value === "string" ? problemOf(value) : undefined;
  return problem === undefined ? undefined : { argument, problem };
}

/** What the role must trust, or the first identity argument that cannot work and why. */
export function roleTrust(
  identity: ExternalDnsIdentity,
  roleArn: pulumi.Input<string> | undefined,
): { readonly trust: RoleTrust } | Refusal {
  if (roleArn !== undefined) {
    return (
      checkNow("roleArn", roleArn, roleArnProblem) ?? {
        trust: { principal: "managed elsewhere", roleArn },
      }
    );
  }
  switch (identity.mode) {
    case "pod-identity":
      return { trust: { principal: "pod identity", eksClusterName: identity.eksClusterName } };
    case "kube2iam": {
      const nodeRoleArn = identity.nodeRoleArn;
      if (nodeRoleArn === undefined) {
        return {
          argument: "identity.nodeRoleArn",
          problem:
            "is required with identity mode kube2iam unless roleArn is given; expected the ARN of the role kube2iam runs as on the nodes, which the role made here must trust",
        };
      }
      return (
        checkNow("identity.nodeRoleArn", nodeRoleArn, nodeRoleArnProblem) ?? {
          trust: { principal: "node role", nodeRoleArn },
        }
      );
    }
    case "irsa": {
      const { oidcProviderArn, eksClusterName } = identity;
      if (oidcProviderArn !== undefined) {
        return (
          checkNow("identity.oidcProviderArn", oidcProviderArn, oidcProviderArnProblem) ?? {
            trust: { principal: "OIDC provider", oidcProviderArn },
          }
        );
      }
      if (eksClusterName === undefined) {
        return {
          argument: "identity.eksClusterName",
          problem:
            "is required with identity mode irsa unless identity.oidcProviderArn or roleArn is given; expected the EKS cluster's name, to look up its OIDC provider",
        };
      }
      return { trust: { principal: "OIDC provider of the cluster", eksClusterName } };
    }
  }
}
