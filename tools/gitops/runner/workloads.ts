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
  /**
   * The image tag whose program the binary is (tools/go/versions.ts), and the binary's own
   * version. A container naming another tag expects another program, so it is not run.
   */
  builtFor: { imageTag: string; version: string };
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

/** The tag of an image reference (`registry/name:tag`, maybe `@digest` after); none if it names none. */
export function imageTagOf(image: string): string | undefined {
  const name = image.split("@")[0] ?? "";
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

/** Why the binary cannot stand in for this image, or undefined when it was built for its tag. */
export function imageMismatch(
  image: string | undefined,
  workload: Pick<RunnableWorkload, "builtFor">,
): string | undefined {
  if (image !== undefined && imageTagOf(image) === workload.builtFor.imageTag) return undefined;
  return `image ${image ?? "(none)"} but the binary here is ${workload.builtFor.version}`;
}
