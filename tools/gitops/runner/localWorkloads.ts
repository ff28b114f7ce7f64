/**
 * The runner's table for the local environment: each Deployment we can run, with the binary
 * tools/go builds for it. Every other Deployment (helm-controller, notification-controller, …) is
 * reported as not run.
 */
import { binaryPath } from "../../go/cache";
import { fluxControllersTool } from "../../go/flux-controllers/tool";
import { sealedSecretsControllerTool } from "../../go/sealed-secrets-controller/tool";
import { fluxOperatorWorkload } from "../fluxOperator/runConfig";
import type { RunnableWorkload } from "./workloads";

const FLUX_NAMESPACE = "flux-system";

/** source-controller and kustomize-controller in flux-system, as the operator applies them. */
export function fluxControllerWorkloads(): RunnableWorkload[] {
  return (["source-controller", "kustomize-controller"] as const).map((program) => ({
    namespace: FLUX_NAMESPACE,
    name: program,
    program,
    binary: binaryPath(fluxControllersTool, program),
    builtFor: { imageTag: fluxControllersTool.version, version: fluxControllersTool.version },
    identity: "kubeconfig",
  }));
}

/** The sealed-secrets controller, which only knows in-cluster config. */
export function sealedSecretsWorkload(namespace: string, name: string): RunnableWorkload {
  return {
    namespace,
    name,
    program: "sealed-secrets-controller",
    binary: binaryPath(sealedSecretsControllerTool, "sealed-secrets-controller"),
    // Bitnami tags the image without the `v` of the release.
    builtFor: {
      imageTag: sealedSecretsControllerTool.version.replace(/^v/, ""),
      version: sealedSecretsControllerTool.version,
    },
    identity: "in-cluster",
  };
}

/** Everything the local environment runs; moduleDir is the operator's module (its config/data). */
export function localWorkloads(options: {
  operatorModuleDir: string;
  sealedSecrets?: { namespace: string; name: string };
}): RunnableWorkload[] {
  return [
    fluxOperatorWorkload(options.operatorModuleDir),
    ...fluxControllerWorkloads(),
    ...(options.sealedSecrets
      ? [sealedSecretsWorkload(options.sealedSecrets.namespace, options.sealedSecrets.name)]
      : []),
  ];
}
