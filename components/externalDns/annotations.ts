/**
 * The annotations through which a Service or Ingress names the DNS records External DNS v0.23.0
 * publishes for it (source/annotations/annotations.go): `hostname` on both, and `internal-hostname`
 * on a Service, under the configured prefix and, with `--enable-legacy-annotation-prefix`, the
 * older one as well. Ingresses also name records in `spec.rules[].host` and `spec.tls[].hosts`
 * (source/ingress.go, `endpointsFromIngress`).
 */
import { quoted } from "../shared/quotedText";

/**
 * An annotation key's prefix, as the API server takes one: a DNS subdomain in lower case and a
 * slash, such as `dns.acme.io/`.
 */
export const ANNOTATION_PREFIX =
  /^(?=.{2,254}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/$/;

/** Why a text cannot be an annotation prefix, or undefined when it can. */
export function annotationPrefixProblem(prefix: string): string | undefined {
  return ANNOTATION_PREFIX.test(prefix)
    ? undefined
    : `${quoted(prefix)} is not an annotation prefix; expected a DNS subdomain in lower case followed by a slash, such as "dns.acme.io/"`;
}

/** `--annotation-prefix`'s default. */
export const EXTERNAL_DNS_ANNOTATION_PREFIX = "external-dns.kubernetes.io/";

/** The prefix releases before v0.22 read, still read with `--enable-legacy-annotation-prefix`. */
export const EXTERNAL_DNS_LEGACY_ANNOTATION_PREFIX = "external-dns.alpha.kubernetes.io/";

/** The annotations, after a prefix, whose comma-separated values are the names to publish. */
const HOSTNAME_ANNOTATIONS = ["hostname", "internal-hostname"] as const;

/**
 * Every annotation key that names records under these prefixes; the default and the legacy
 * prefix are always included, whatever External DNS is configured with.
 */
export function hostnameAnnotationKeys(extraPrefixes: readonly string[] = []): string[] {
  const prefixes = [
    ...new Set([
      EXTERNAL_DNS_ANNOTATION_PREFIX,
      EXTERNAL_DNS_LEGACY_ANNOTATION_PREFIX,
      ...extraPrefixes,
    ]),
  ];
  return prefixes.flatMap((prefix) => HOSTNAME_ANNOTATIONS.map((name) => `${prefix}${name}`));
}
