/**
 * What a domain filter may be. External DNS compares each filter with a record's name as text,
 * as that domain or one of its subdomains, so `*.example.com` matches nothing; `example.com` is
 * what covers its subdomains. Filters also become Route53 record-name conditions (iam.ts), which
 * only DNS names can be.
 */
import { quoted } from "../shared/quotedText";

/** A DNS name in any case (DNS ignores case), with or without the root's trailing dot. */
const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.?$/i;

/** Why a text cannot be a domain filter, or undefined when it can. */
export function domainFilterProblem(name: string): string | undefined {
  if (name.startsWith("*.")) {
    return `${quoted(name)} is a wildcard, which External DNS compares literally, so it would match no record; expected the domain itself, such as ${quoted(name.slice(2))}, which also covers its subdomains`;
  }
  if (!DNS_NAME.test(name)) {
    return `${quoted(name)} is not a DNS domain name; expected a domain such as dev.example.com`;
  }
  return undefined;
}
