/**
 * The Flux Operator as the local environment runs it, in one place: the container args and env
 * its Helm chart gives the Deployment for the values we install it with, each with its source,
 * the Deployment that stands for the "pre-installed operator", and the local substitutions the
 * process runner applies to it (taken from the one table in runner/substitutions.ts).
 *
 * Sources. The chart's own template for 0.59.0 could not be read here (the chart lives in an OCI
 * registry this machine cannot reach). What is listed comes from:
 * - the chart's templates/deployment.yaml and values.yaml in controlplaneio-fluxcd/charts, read at
 *   chart 0.49.0 (the newest in that repository's history available to us, 2026-05-12), and the
 *   chart values published on fluxoperator.dev/docs/charts/flux-operator (same keys and defaults);
 * - the operator v0.59.0 module itself: cmd/operator/main.go (flags, their defaults, and the
 *   variables that override them) and config/manager/deployment.yaml (the same container env).
 * So the chart side was compared with chart 0.49.0 only, not with the pinned 0.59.0; recheck
 * against the 0.59.0 chart (`helm template`) when a registry is reachable.
 */
import { join } from "node:path";
import { binaryPath } from "../../go/cache";
import { FLUX_OPERATOR_MODULE, fluxOperatorTool } from "../../go/flux-operator/tool";
import { toolModuleSource } from "../../go/moduleSource";
import type { Deployment, EnvVar } from "../runner/deployment";
import { substitutionsFor, type Substitution } from "../runner/substitutions";
import type { RunnableWorkload } from "../runner/workloads";

export const OPERATOR_NAMESPACE = "flux-system";
/** The chart names its ServiceAccount and Deployment after the release (facts: use `flux-operator`). */
export const OPERATOR_NAME = "flux-operator";
const IMAGE = `ghcr.io/controlplaneio-fluxcd/flux-operator:${fluxOperatorTool.version}`;
const TEMPLATE = "chart templates/deployment.yaml";

/** The chart values that shape the container; each default is the chart's. */
export interface FluxOperatorChartValues {
  /** values.yaml `logLevel`, default "info". */
  logLevel?: string;
  /** values.yaml `multitenancy`, default off (with "flux-operator" as the accounts). */
  multitenancy?: {
    enabled?: boolean;
    defaultServiceAccount?: string;
    enabledForWorkloadIdentity?: boolean;
    defaultWorkloadIdentityServiceAccount?: string;
  };
  /** values.yaml `reporting.interval`, default "5m". */
  reporting?: { interval?: string };
  /** values.yaml `web` (its `networkPolicy` shapes no container field). */
  web?: { enabled?: boolean };
}

export interface SourcedArg {
  arg: string;
  source: string;
}

export interface SourcedEnv {
  env: EnvVar;
  source: string;
}

export interface FluxOperatorContainer {
  args: SourcedArg[];
  env: SourcedEnv[];
}

/** The container's args and env as the chart renders them for these values. */
export function fluxOperatorContainer(values: FluxOperatorChartValues = {}): FluxOperatorContainer {
  const multitenancy = values.multitenancy ?? {};
  const args: SourcedArg[] = [
    {
      arg: `--log-level=${values.logLevel ?? "info"}`,
      source: `${TEMPLATE}: always, from values logLevel (default "info")`,
    },
  ];
  if (multitenancy.enabled) {
    args.push({
      arg: `--default-service-account=${multitenancy.defaultServiceAccount ?? "flux-operator"}`,
      source: `${TEMPLATE}: when multitenancy.enabled, from multitenancy.defaultServiceAccount (default "flux-operator")`,
    });
  }
  if (multitenancy.enabledForWorkloadIdentity) {
    args.push({
      arg: `--default-workload-identity-service-account=${multitenancy.defaultWorkloadIdentityServiceAccount ?? "flux-operator"}`,
      source: `${TEMPLATE}: when multitenancy.enabledForWorkloadIdentity, from multitenancy.defaultWorkloadIdentityServiceAccount`,
    });
  }
  const env: SourcedEnv[] = [
    {
      env: {
        name: "RUNTIME_NAMESPACE",
        valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
      },
      source: `${TEMPLATE}: always (downward API); also in the module's config/manager/deployment.yaml`,
    },
    {
      env: { name: "REPORTING_INTERVAL", value: values.reporting?.interval ?? "5m" },
      source: `${TEMPLATE}: always, from values reporting.interval (default 5m); overrides --reporting-interval (cmd/operator/main.go)`,
    },
    {
      env: { name: "WEB_SERVER_PORT", value: (values.web?.enabled ?? true) ? "9080" : "0" },
      source: `${TEMPLATE}: always, "9080" when web.enabled (the default) else "0"; overrides --web-server-port (cmd/operator/main.go)`,
    },
  ];
  return { args, env };
}

/**
 * The operator's Deployment as the chart would make it, reduced to what the process runner reads
 * (the container, its /tmp emptyDir, the ServiceAccount, the resources its GOMAXPROCS-style
 * consumers would see). Applied to the local cluster, it is what the runner runs.
 */
export function fluxOperatorDeployment(values: FluxOperatorChartValues = {}): Deployment & {
  apiVersion: "apps/v1";
  kind: "Deployment";
} {
  const container = fluxOperatorContainer(values);
  const labels = {
    "app.kubernetes.io/name": OPERATOR_NAME,
    "app.kubernetes.io/instance": OPERATOR_NAME,
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: OPERATOR_NAME, namespace: OPERATOR_NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: OPERATOR_NAME,
          containers: [
            {
              name: "manager",
              image: IMAGE,
              args: container.args.map((entry) => entry.arg),
              env: container.env.map((entry) => entry.env),
              // values.yaml resources (chart 0.49.0 defaults).
              resources: {
                limits: { cpu: "2000m", memory: "1Gi" },
                requests: { cpu: "100m", memory: "64Mi" },
              },
              volumeMounts: [{ name: "temp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "temp", emptyDir: {} }],
        },
      },
    },
  };
}

/**
 * The operator's module source, for its CRDs and its config/data: downloaded into the Go module
 * cache on first use (with the operator tool's Go toolchain), read from there afterwards.
 */
export async function fluxOperatorModuleDir(): Promise<string> {
  return toolModuleSource(fluxOperatorTool, `${FLUX_OPERATOR_MODULE}@${fluxOperatorTool.version}`);
}

/** The runner's table entry for the operator: the binary built by tools/go, and its /data. */
export function fluxOperatorWorkload(moduleDir: string): RunnableWorkload {
  return {
    namespace: OPERATOR_NAMESPACE,
    name: OPERATOR_NAME,
    program: "flux-operator",
    binary: binaryPath(fluxOperatorTool, "flux-operator"),
    builtFor: { imageTag: fluxOperatorTool.version, version: fluxOperatorTool.version },
    identity: "kubeconfig",
    imageFiles: { "/data": join(moduleDir, "config", "data") },
  };
}

/** The local substitutions for the operator, from the one table. */
export function fluxOperatorSubstitutions(moduleDir: string): Substitution[] {
  return substitutionsFor(fluxOperatorWorkload(moduleDir));
}
