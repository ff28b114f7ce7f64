/**
 * Which Deployments the runner can run, and with what: the programs built here, each named, so
 * the substitution table can say which of them a substitution applies to.
 */

export const PROGRAMS = [
  "flux-operator",
  "source-controller",
  "kustomize-controller",
  "sealed-secrets-controller",
] as const;
export type Program = (typeof PROGRAMS)[number];

export interface RunnableWorkload {
  namespace: string;
  name: string;
  /** Which program this Deployment's container is; it selects the substitutions. */
  program: Program;
  /** The locally built binary that stands in for the container image's entrypoint. */
  binary: string;
  /** The container to run; default: the pod's only container. */
  container?: string;
  /**
   * How the program finds the API server: a kubeconfig (KUBECONFIG), or, for programs that only
   * know in-cluster config, the service-account files at the path a pod has them, bind-mounted
   * in a mount namespace of the process's own (`unshare -m`, needs root).
   */
  identity: "kubeconfig" | "in-cluster";
  /**
   * Directories the container image carries that the program reads, by their path in the image,
   * with the local directory to copy them from at each start (e.g. the operator's /data).
   */
  imageFiles?: Record<string, string>;
}
