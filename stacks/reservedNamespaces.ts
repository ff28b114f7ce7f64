/**
 * Namespaces no application may take. An application owns its namespaces: it gets `admin` in
 * them, its Pod Security labels replace theirs, and removing it deletes them with everything in
 * them. The pinned Kubernetes provider adopts a namespace that already exists, so an application
 * named after someone else's namespace would silently take it over.
 *
 * This list refuses the obvious cases at config time: Kubernetes' own namespaces and range, the
 * ones this program installs into, and those well-known add-ons install into by default. It
 * cannot know every namespace of every cluster; the guarantee against taking over any existing
 * namespace is a check against the cluster when the namespace is created.
 */
import { PLATFORM_NAMESPACES } from "../components/shared/namespaces";

/** Namespace prefixes reserved as a range, with who reserves them. */
const RESERVED_PREFIXES: Readonly<Record<string, string>> = {
  "kube-": "the kube-* range Kubernetes reserves for itself",
  "openshift-": "the openshift-* range OpenShift reserves for itself",
};

/** Namespaces Kubernetes creates in every cluster. */
const KUBERNETES_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * Where well-known add-ons install by default, with the add-on, for messages. Add-ons that
 * install into kube-system (AWS Load Balancer Controller, CoreDNS, the VPC CNI) are covered by
 * the kube-* range.
 */
export const ADD_ON_NAMESPACES: Readonly<Record<string, string>> = {
  "amazon-cloudwatch": "the Amazon CloudWatch Observability add-on",
  "amazon-guardduty": "GuardDuty runtime monitoring",
  "aws-observability": "Fargate logging on EKS",
  argocd: "Argo CD",
  "calico-apiserver": "Calico",
  "calico-system": "Calico",
  "cattle-system": "Rancher",
  "cert-manager": "cert-manager",
  "cilium-secrets": "Cilium",
  "crossplane-system": "Crossplane",
  "external-secrets": "External Secrets Operator",
  "gatekeeper-system": "OPA Gatekeeper",
  "ingress-nginx": "ingress-nginx",
  "istio-system": "Istio",
  karpenter: "Karpenter",
  keda: "KEDA",
  "kubernetes-dashboard": "the Kubernetes Dashboard",
  kyverno: "Kyverno",
  linkerd: "Linkerd",
  "linkerd-viz": "Linkerd",
  "local-path-storage": "local-path-provisioner",
  "longhorn-system": "Longhorn",
  "metallb-system": "MetalLB",
  "nginx-ingress": "the NGINX Ingress Controller",
  "opentelemetry-operator-system": "the OpenTelemetry Operator",
  "tigera-operator": "Calico's operator",
  velero: "Velero",
};

/** Who a namespace belongs to when no application may take it, or undefined when one may. */
export function namespaceOwner(namespace: string): string | undefined {
  if (KUBERNETES_NAMESPACES.includes(namespace)) return "a namespace Kubernetes owns";
  const prefix = Object.keys(RESERVED_PREFIXES).find((range) => namespace.startsWith(range));
  if (prefix !== undefined) return `in ${RESERVED_PREFIXES[prefix]}`;
  if ((Object.values(PLATFORM_NAMESPACES) as readonly string[]).includes(namespace)) {
    return "a namespace this program installs its platform components into";
  }
  if (Object.hasOwn(ADD_ON_NAMESPACES, namespace)) {
    return `where ${ADD_ON_NAMESPACES[namespace]} installs by default`;
  }
  return undefined;
}
