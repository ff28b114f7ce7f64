/**
 * The DNS names a tenant may claim, held by admission: a pure builder of the
 * ValidatingAdmissionPolicy; admission.ts binds it.
 *
 * External DNS watches Services and Ingresses in every namespace and publishes the names they
 * carry in whichever managed zone holds them. With `admin` in its namespace, a tenant could name
 * another tenant's or the platform's host: a name no record holds yet goes to whichever claimant's
 * targets sort first (External DNS v0.23.0, plan/conflict.go, `ResolveCreate`), and a record type
 * the owner does not use (an AAAA beside its A) goes to the tenant outright. The same Ingress host
 * also takes traffic from a shared ingress controller. So a tenant given its domains may name only
 * those, and their subdomains, wherever External DNS or an ingress controller reads a name.
 */
import type * as k8s from "@pulumi/kubernetes";
import { hostnameAnnotationKeys } from "../externalDns/annotations";
import { tenantLabels } from "./manifests";

/** The policy's and its binding's name; cluster-scoped, so it names the tenant. */
export const dnsNamesPolicyName = (tenant: string): string => `k8s-flux-${tenant}-dns-names`;

/** A domain as compared: lower case, without the root's trailing dot. */
export const comparableDomain = (domain: string): string => domain.toLowerCase().replace(/\.$/, "");

/** What a refused tenant reads, after the API server's own prefix. */
export function dnsNamesRefusal(tenant: string, domains: readonly string[]): string {
  const allowed =
    domains.length === 0
      ? "it may name none"
      : `expected ${domains.map(comparableDomain).join(", ")} or a subdomain of one`;
  return `a Service or Ingress in the namespaces of tenant ${tenant} may name only the tenant's own DNS domains, in External DNS's hostname annotations and in Ingress hosts: ${allowed}`;
}

/** A CEL string literal; the texts given are DNS names and annotation keys, checked before. */
const celText = (text: string): string => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const celList = (texts: readonly string[]): string => `[${texts.map(celText).join(", ")}]`;

/**
 * CEL: whether the name in `name` is one of `variables.domains` or below one, compared as External
 * DNS and DNS do, in any case and with or without the trailing dot. An empty name (a stray comma
 * in an annotation) names nothing.
 */
const allowedName = (name: string): string =>
  `(${name} == '' || variables.domains.exists(domain, ${name}.lowerAscii() == domain || ${name}.lowerAscii() == domain + '.' || ${name}.lowerAscii().endsWith('.' + domain) || ${name}.lowerAscii().endsWith('.' + domain + '.')))`;

/**
 * Refuses, on create and update, a Service or Ingress that names a DNS name outside `domains`
 * (none, when empty): in a hostname annotation under External DNS's default, legacy or given
 * prefix (the value split at commas with its spaces removed, as External DNS splits it), or, on an
 * Ingress, in `spec.rules[].host` or `spec.tls[].hosts`.
 */
export function tenantDnsNamesPolicy(args: {
  readonly tenant: string;
  readonly domains: readonly string[];
  /** External DNS's `--annotation-prefix`, when it is not the default. */
  readonly annotationPrefix?: string;
}) {
  const onIngress = "request.resource.resource != 'ingresses'";
  const message = dnsNamesRefusal(args.tenant, args.domains);
  return {
    metadata: { name: dnsNamesPolicyName(args.tenant), labels: tenantLabels(args.tenant) },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [""],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["services"],
          },
          {
            apiGroups: ["networking.k8s.io"],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["ingresses"],
          },
        ],
      },
      variables: [
        { name: "domains", expression: celList(args.domains.map(comparableDomain)) },
        {
          name: "hostnameKeys",
          expression: celList(
            hostnameAnnotationKeys(args.annotationPrefix ? [args.annotationPrefix] : []),
          ),
        },
      ],
      validations: [
        {
          expression: `!has(object.metadata.annotations) || variables.hostnameKeys.all(key, !(key in object.metadata.annotations) || object.metadata.annotations[key].replace(' ', '').split(',').all(name, ${allowedName("name")}))`,
          message,
          reason: "Forbidden",
        },
        {
          // Only an Ingress has rules; the guard keeps a Service's check from reaching for them.
          expression: `${onIngress} || !has(object.spec.rules) || object.spec.rules.all(rule, !has(rule.host) || ${allowedName("rule.host")})`,
          message,
          reason: "Forbidden",
        },
        {
          expression: `${onIngress} || !has(object.spec.tls) || object.spec.tls.all(tls, !has(tls.hosts) || tls.hosts.all(host, ${allowedName("host")}))`,
          message,
          reason: "Forbidden",
        },
      ],
    },
  } satisfies k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs;
}
