/**
 * What the config tests share: the smallest valid stack, an application entry, and the
 * validator run with both secrets present unless a test says otherwise.
 */
import { StackConfigError } from "../stacks/messages";
import type { ClusterSettings, RawStackConfig } from "../stacks/settings";
import { validateStackConfig } from "../stacks/validate";

/** A Route53 zone id, for External DNS sections that must list one. */
export const ZONE = "Z0123456789ABCDEFGHIJ";

/**
 * The smallest valid stack: New Relic off, so no license key is needed, and External DNS (on
 * by default) limited to one zone, since it may change every zone only when told so.
 */
export const MINIMAL: Readonly<Record<string, unknown>> = {
  clusterName: "dev-eks",
  systemFlux: { repository: "git@github.com:acme/k8s-flux.git" },
  newrelic: { enabled: false },
  externalDns: { hostedZoneIds: [ZONE] },
};

/** An application whose repository is `acme/<name>-flux` on GitHub. */
export const app = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  repository: `git@github.com:acme/${name}-flux.git`,
  ...extra,
});

export type ConfigContext = Partial<Omit<RawStackConfig, "values">>;

/** Validates `values` with both secrets present unless a test says otherwise. */
export function validate(
  values: Readonly<Record<string, unknown>>,
  context: ConfigContext = {},
): ClusterSettings {
  return validateStackConfig({
    values,
    licenseKeyIsSet: true,
    githubTokenIsSet: true,
    ...context,
  });
}

/** The problems a config is rejected with; fails the test when it is accepted. */
export function problemsOf(
  values: Readonly<Record<string, unknown>>,
  context: ConfigContext = {},
): readonly string[] {
  try {
    validate(values, context);
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  throw new Error("the config was accepted");
}
