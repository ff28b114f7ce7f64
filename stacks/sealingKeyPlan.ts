import { X509Certificate } from "node:crypto";
import { DEFAULT_SEALING_KEY } from "../components/sealedSecrets/defaults";
import type { SealingKeyRequest } from "../components/sealedSecrets/sealingKeys";
import type { LastDeployment } from "./lastDeployment";
import { STACK_OUTPUTS } from "./names";
import { settingKey } from "./quoting";
import type { SealedSecretsSettings } from "./settings";

const KEYS = settingKey(["sealedSecrets", "keys"]);
const ALLOW = settingKey(["sealedSecrets", "allowKeyRemoval"]);
const ENABLED = settingKey(["sealedSecrets", "enabled"]);

export interface SealingKeyPlan {
  /** What the SealedSecrets component declares: the listed keys, then the ones retiring. */
  readonly requests: readonly SealingKeyRequest[];
  /** Config problems, each naming its key; any problem means nothing may be registered. */
  readonly problems: readonly string[];
}

/** Key names the last deployment declared. Stacks from before rotation had the default key. */
function lastKeyNames(last: LastDeployment): { active: string[]; retiring: string[] } {
  if (last.sealedSecretsKeys) return last.sealedSecretsKeys;
  return { active: last.sealedSecretsCert ? [DEFAULT_SEALING_KEY] : [], retiring: [] };
}

function certificateDates(pem: string | undefined) {
  if (pem === undefined) return undefined;
  try {
    const certificate = new X509Certificate(pem);
    return { validFrom: new Date(certificate.validFrom), fingerprint: certificate.fingerprint256 };
  } catch {
    return undefined;
  }
}

const day = (date: Date): string => date.toISOString().slice(0, 10);

/**
 * Which SealedSecrets a removed key would strand, as precisely as the stack can tell without the
 * cluster: those sealed with its certificate, from when it became valid until a newer key took
 * over sealing.
 */
function strandedBy(name: string, last: LastDeployment): string {
  const certificates = last.sealedSecretsCertificates ?? {};
  const own = certificateDates(certificates[name]);
  if (own === undefined) {
    return `every SealedSecret sealed with key ${name}'s certificate would stop decrypting`;
  }
  const successor = Object.entries(certificates)
    .filter(([other]) => other !== name)
    .map(([other, pem]) => ({ other, dates: certificateDates(pem) }))
    .filter(({ dates }) => dates !== undefined && dates.validFrom > own.validFrom)
    .sort((a, b) => (a.dates?.validFrom.getTime() ?? 0) - (b.dates?.validFrom.getTime() ?? 0))[0];
  const until =
    successor?.dates !== undefined
      ? ` until ${successor.other} took over on ${day(successor.dates.validFrom)}`
      : " until now";
  return (
    `every SealedSecret sealed with its certificate (SHA-256 ${own.fingerprint}) would stop ` +
    `decrypting: whatever was sealed with this stack's ${STACK_OUTPUTS.sealedSecretsCert} output or ` +
    `\`kubeseal --fetch-cert\` from ${day(own.validFrom)}${until}`
  );
}

/**
 * Compares the sealing keys in config with the ones the last deployment declared. A key that
 * is gone from the list is refused unless removal is allowed; when it is, the key retires in
 * two updates (the controller drops it, then its key is deleted), because a protected resource
 * cannot be deleted by the same update that lifts its protection.
 */
export function planSealingKeys(
  settings: SealedSecretsSettings,
  last: LastDeployment,
): SealingKeyPlan {
  const previous = lastKeyNames(last);
  const wanted = settings.enabled ? settings.keys : [];
  const removed = previous.active.filter((name) => !wanted.includes(name));
  const problems: string[] = [];

  if (removed.length > 0 && !settings.allowKeyRemoval) {
    for (const name of removed) {
      const where = settings.enabled
        ? `${KEYS} no longer lists ${name}, which this stack deployed`
        : `${ENABLED} is false, which removes key ${name}, deployed by this stack`;
      // Switching off keeps the key Secrets in the cluster; the README says how, step by step.
      problems.push(
        `${where}; ${strandedBy(name, last)}. Expected ${name} kept in the list; if those ` +
          `secrets are re-sealed with the newest key, set ${ALLOW} to true to remove it`,
      );
    }
  }
  const requests: SealingKeyRequest[] = [
    ...wanted.map((name) => ({ name, retiring: false })),
    // Retiring for one update only: the next, no longer declaring them, deletes them.
    ...(settings.enabled && settings.allowKeyRemoval
      ? removed.map((name) => ({ name, retiring: true }))
      : []),
  ];
  return { requests, problems };
}
