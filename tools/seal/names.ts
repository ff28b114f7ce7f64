/**
 * The API server's rules for a Secret's name (a DNS-1123 subdomain, ValidateSecretName) and
 * namespace (a DNS-1123 label, ValidateNamespaceName), from Kubernetes'
 * pkg/apis/core/validation and k8s.io/apimachinery/pkg/util/validation. They are checked before
 * sealing because a strict seal binds the values to `namespace/name`: a SealedSecret for a name
 * the API server refuses could never be applied, nor be renamed without sealing again.
 */
import { quoted } from "../../components/shared/quotedText";

export interface NameRule {
  /** What the value names, for messages: "Secret name", "namespace". */
  what: string;
  maxLength: number;
  pattern: RegExp;
  description: string;
}

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

export const SECRET_NAME_RULE: NameRule = {
  what: "Secret name",
  maxLength: 253,
  pattern: new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`),
  description:
    'a DNS-1123 subdomain (at most 253 characters: lowercase letters, digits, "-" and ".", each part between dots starting and ending with a letter or digit)',
};

export const NAMESPACE_RULE: NameRule = {
  what: "namespace",
  maxLength: 63,
  pattern: new RegExp(`^${DNS1123_LABEL}$`),
  description:
    'a DNS-1123 label (at most 63 characters: lowercase letters, digits and "-", starting and ending with a letter or digit)',
};

/**
 * Why `value` breaks `rule`, naming `field` (where the value came from), or undefined when it is
 * fine. An overlong value is described by its length rather than quoted in full.
 */
export function nameProblem(field: string, value: string, rule: NameRule): string | undefined {
  if (value.length > rule.maxLength) {
    return `${field} is ${value.length} characters long, too long for a ${rule.what}; it must be ${rule.description}`;
  }
  if (!rule.pattern.test(value)) {
    return `${field} ${quoted(value)} is not a valid ${rule.what}; it must be ${rule.description}`;
  }
  return undefined;
}
