/**
 * Stack config in, typed settings out, or every problem at once: the schema's rules, the rules
 * across sections, and the messages, applied in one pass.
 */
import { DEFAULT_KNOWN_HOSTS } from "../components/shared/knownHosts";
import { describeIssues, secretSettingProblem, StackConfigError } from "./messages";
import { LICENSE_KEY } from "./names";
import { withoutPrototypeKeys } from "./prototypeKeys";
import { checkAcrossSections } from "./rules";
import { evenWithFieldErrors, type ParsedStack, stackSchema, withoutNulls } from "./schema";
import type { ClusterSettings, ExternalDnsSettings, RawStackConfig } from "./settings";

/**
 * Validates raw stack config and returns typed settings, or throws a StackConfigError listing
 * every problem at once. Pure: it reads no config and registers no resources.
 */
export function validateStackConfig(raw: RawStackConfig): ClusterSettings {
  // The license key is a secret and never validated as a value: only whether it is set counts,
  // so no message can ever quote it. readRawStackConfig leaves it out; so does any other caller.
  const { [LICENSE_KEY]: _secretNeverQuoted, ...values } = raw.values;
  void _secretNeverQuoted;
  const secretKeys = new Set((raw.secretKeys ?? []).filter((key) => key !== LICENSE_KEY));
  const schema = stackSchema.superRefine(
    (stack, ctx) => checkAcrossSections(stack, raw, ctx),
    evenWithFieldErrors,
  );
  // reportInput: messages quote the value that was wrong. Keys stored as secrets get one problem
  // each, which quotes nothing of them, and every other problem under them is dropped.
  // `__proto__` keys come out first: the schema would drop some of them silently.
  const prototypeKeys = withoutPrototypeKeys(withoutNulls(values));
  const parsed = schema.safeParse(prototypeKeys.value, { reportInput: true });
  const problems = [
    ...[...secretKeys].map(secretSettingProblem),
    ...describeIssues([...prototypeKeys.issues, ...(parsed.success ? [] : parsed.error.issues)], {
      secretKeys,
      numbersAsTyped: raw.numbersAsTyped ?? {},
    }),
  ];
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(problems);
  return toClusterSettings(parsed.data, raw.awsRegion);
}

/** Shapes validated config into what the components take; `awsRegion` is `aws:region`, if set. */
function toClusterSettings(stack: ParsedStack, awsRegion: string | undefined): ClusterSettings {
  const knownHosts: Record<string, string> = { ...DEFAULT_KNOWN_HOSTS, ...stack.knownHosts };
  return {
    clusterName: stack.clusterName,
    ...(stack.externalDns.enabled ? { externalDns: externalDnsSettings(stack, awsRegion) } : {}),
    ...(stack.externalDns.annotationPrefix === undefined
      ? {}
      : { externalDnsAnnotationPrefix: stack.externalDns.annotationPrefix }),
    systemFlux: stack.systemFlux,
    applications: stack.applications,
    sealedSecrets: stack.sealedSecrets,
    metricsServer: stack.metricsServer,
    newRelic: stack.newrelic,
    knownHosts,
    registerDeployKeys: stack.registerDeployKeys,
    waitForReadiness: stack.waitForReadiness,
  };
}

function externalDnsSettings(
  stack: ParsedStack,
  awsRegion: string | undefined,
): ExternalDnsSettings {
  const dns = stack.externalDns;
  const eksClusterName = dns.eksClusterName ?? stack.clusterName;
  let identity: ExternalDnsSettings["identity"];
  switch (dns.identity) {
    case "kube2iam":
      if (dns.nodeRoleArn === undefined && dns.roleArn === undefined) {
        // The schema reports this as bad input; reaching it here is a bug.
        throw new Error("externalDns.nodeRoleArn passed validation without a value");
      }
      identity = {
        mode: "kube2iam",
        ...(dns.nodeRoleArn !== undefined ? { nodeRoleArn: dns.nodeRoleArn } : {}),
      };
      break;
    case "pod-identity":
      identity = { mode: "pod-identity", eksClusterName };
      break;
    case "irsa":
      identity = {
        mode: "irsa",
        eksClusterName,
        ...(dns.oidcProviderArn ? { oidcProviderArn: dns.oidcProviderArn } : {}),
      };
      break;
  }
  return {
    domainFilters: dns.domainFilters,
    hostedZoneIds: [...new Set(dns.hostedZoneIds)],
    ...(dns.allZones ? { allZones: true } : {}),
    // Required with kube2iam (rules.ts), which gives the pod no region.
    ...(awsRegion === undefined ? {} : { region: awsRegion }),
    policy: dns.policy,
    identity,
    ...(dns.annotationPrefix ? { annotationPrefix: dns.annotationPrefix } : {}),
    ...(dns.roleArn ? { roleArn: dns.roleArn } : {}),
    legacyAnnotations: dns.legacyAnnotations,
  };
}
