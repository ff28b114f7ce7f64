/**
 * The DNS names a tenant may claim, held by admission: a pure builder of the
 * ValidatingAdmissionPolicy; admission.ts binds it.
 *
 * External DNS watches Services and Ingresses in every namespace and publishes the names they
 * carry in whichever managed zone holds them. With `admin` in its namespace, a tenant could name
 * another tenant's or the platform's host: a name no record holds yet goes to whichever claimant's
 * targets sort first (External DNS v0.23.0, plan/conflict.go, `ResolveCreate`), and a record type
 * the owner does not use (an AAAA beside its A) goes to the tenant outright. The same Ingress host
 * also takes traffic from a shared ingress controller, and an Ingress rule without a host, or a
 * default backend, takes every host that no other Ingress names. So a tenant given its domains may
 * name only those, and their subdomains, wherever External DNS or an ingress controller reads a
 * name, and may not catch all hosts.
 *
 * On update, only a new claim is refused: a hostname annotation with the value it had, or an
 * Ingress host or catch-all it already had, passes. External DNS and the ingress controller read
 * an existing object whatever admission says of its next change, so refusing it again holds
 * nothing back, and would only keep an object made before the policy (or before the tenant had
 * domains) from being annotated, patched or finalized: a LoadBalancer Service could not drop its
 * cleanup finalizer.
 */
import { hostnameAnnotationKeys } from "../externalDns/annotations";
import { SERVICES, tenantPolicy } from "./admission";

/** The policy's and its binding's name; cluster-scoped, so it names the tenant. */
export const dnsNamesPolicyName = (tenant: string): string => `k8s-flux-${tenant}-dns-names`;

/** A domain as compared: lower case, without the root's trailing dot. */
export const comparableDomain = (domain: string): string => domain.toLowerCase().replace(/\.$/, "");

/** The end of each refusal: the domains a tenant may name. */
const hostsExpected = (domains: readonly string[]): string =>
  domains.length === 0
    ? "it may name none"
    : `expected ${domains.map(comparableDomain).join(", ")} or a subdomain of one`;

/** What a refused tenant reads, after the API server's own prefix. */
export function dnsNamesRefusal(tenant: string, domains: readonly string[]): string {
  return `a Service or Ingress in the namespaces of tenant ${tenant} may name only the tenant's own DNS domains, in External DNS's hostname annotations and in Ingress hosts: ${hostsExpected(domains)}`;
}

/** What a tenant reads when an Ingress would catch every host, after the API server's prefix. */
export function ingressCatchAllRefusal(tenant: string, domains: readonly string[]): string {
  return `an Ingress in the namespaces of tenant ${tenant} must name a host in every rule and may have no spec.defaultBackend: on a shared ingress controller, either takes every host no other Ingress names; ${hostsExpected(domains)}`;
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

/** CEL: `condition` holds and the request is an update; `oldObject` is null on create. */
const onUpdate = (condition: string): string => `(request.operation == 'UPDATE' && ${condition})`;

/**
 * Refuses, on create and update, a Service or Ingress that claims a DNS name outside `domains`
 * (none, when empty): in a hostname annotation under External DNS's default, legacy or given
 * prefix (the value with its spaces removed, trimmed and split at commas, as External DNS v0.23.0
 * `SplitHostnameAnnotation` splits it), or, on an Ingress, in `spec.rules[].host` or
 * `spec.tls[].hosts`; and an Ingress that catches every host, with a rule without one or a
 * `spec.defaultBackend`. On update, what the object already claimed passes.
 */
export function tenantDnsNamesPolicy(args: {
  readonly tenant: string;
  readonly domains: readonly string[];
  /** External DNS's `--annotation-prefix`, when it is not the default. */
  readonly annotationPrefix?: string;
}) {
  const onIngress = "request.resource.resource != 'ingresses'";
  const message = dnsNamesRefusal(args.tenant, args.domains);
  const catchAllMessage = ingressCatchAllRefusal(args.tenant, args.domains);
  const annotationHeld = onUpdate(
    "has(oldObject.metadata.annotations) && key in oldObject.metadata.annotations && oldObject.metadata.annotations[key] == object.metadata.annotations[key]",
  );
  const ruleHostHeld = onUpdate(
    "has(oldObject.spec.rules) && oldObject.spec.rules.exists(held, has(held.host) && held.host == rule.host)",
  );
  const catchAllRuleHeld = onUpdate(
    "has(oldObject.spec.rules) && oldObject.spec.rules.exists(held, !has(held.host) || held.host == '')",
  );
  const tlsHostHeld = onUpdate(
    "has(oldObject.spec.tls) && oldObject.spec.tls.exists(held, has(held.hosts) && host in held.hosts)",
  );
  return tenantPolicy(
    args.tenant,
    dnsNamesPolicyName(args.tenant),
    [SERVICES, { apiGroup: "networking.k8s.io", resource: "ingresses" }],
    [
      {
        expression: `!has(object.metadata.annotations) || variables.hostnameKeys.all(key, !(key in object.metadata.annotations) || ${annotationHeld} || object.metadata.annotations[key].replace(' ', '').trim().split(',').all(name, ${allowedName("name")}))`,
        message,
      },
      {
        // Only an Ingress has rules; the guard keeps a Service's check from reaching for them.
        expression: `${onIngress} || !has(object.spec.rules) || object.spec.rules.all(rule, !has(rule.host) || ${allowedName("rule.host")} || ${ruleHostHeld})`,
        message,
      },
      {
        expression: `${onIngress} || !has(object.spec.tls) || object.spec.tls.all(tls, !has(tls.hosts) || tls.hosts.all(host, ${allowedName("host")} || ${tlsHostHeld}))`,
        message,
      },
      {
        // A host of "" is no host: the ingress controller matches it to every host alike.
        expression: `${onIngress} || !has(object.spec.rules) || object.spec.rules.all(rule, (has(rule.host) && rule.host != '') || ${catchAllRuleHeld})`,
        message: catchAllMessage,
      },
      {
        expression: `${onIngress} || !has(object.spec.defaultBackend) || ${onUpdate("has(oldObject.spec.defaultBackend)")}`,
        message: catchAllMessage,
      },
    ],
    [
      { name: "domains", expression: celList(args.domains.map(comparableDomain)) },
      {
        name: "hostnameKeys",
        expression: celList(
          hostnameAnnotationKeys(args.annotationPrefix ? [args.annotationPrefix] : []),
        ),
      },
    ],
  );
}
