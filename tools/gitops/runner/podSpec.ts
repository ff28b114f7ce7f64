/**
 * From a Deployment to the command line of its one container, as the kubelet would start it and
 * then with the local substitutions: the container chosen, what this runner cannot provide
 * refused, env resolved, $(VAR) expanded in command and args, the image's entrypoint replaced by
 * the local binary.
 */
import { GitOpsError } from "../errors";
import { expandReferences } from "./containerEnv";
import type { Container, Deployment } from "./deployment";
import type { CommandLine } from "./substitutions";
import type { RunnableWorkload } from "./workloads";

/** Why this runner cannot run the Deployment, or undefined when it can. */
export function unsupportedFeature(
  deployment: Deployment,
  container: Container,
): string | undefined {
  const spec = deployment.spec.template.spec;
  if ((spec.initContainers ?? []).length > 0)
    return "it has init containers, which are not run here";
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find((candidate) => candidate.name === mount.name);
    if (!volume) return `volume mount ${mount.name} names no volume`;
    if (volume.emptyDir === undefined) {
      const kind = Object.keys(volume).find((key) => key !== "name") ?? "unknown";
      return `volume ${mount.name} is a ${kind} volume; only emptyDir volumes are provided here`;
    }
  }
  return undefined;
}

export function chooseContainer(deployment: Deployment, workload: RunnableWorkload): Container {
  const containers = deployment.spec.template.spec.containers;
  const chosen = workload.container
    ? containers.find((container) => container.name === workload.container)
    : containers.length === 1
      ? containers[0]
      : undefined;
  if (!chosen) {
    throw new GitOpsError(
      workload.container
        ? `it has no container named ${workload.container}`
        : `it has ${containers.length} containers; the runner's table must name the one to run`,
    );
  }
  return chosen;
}

/**
 * The container's command line before substitutions: `command` (if set) stands for the image's
 * entrypoint plus leading args, so its first word is replaced by the binary and the rest kept.
 */
export function containerCommandLine(
  container: Container,
  env: ReadonlyMap<string, string>,
): CommandLine {
  const expand = (words: readonly string[]): string[] =>
    words.map((word) => expandReferences(word, env));
  return {
    args: [...expand((container.command ?? []).slice(1)), ...expand(container.args ?? [])],
    env: new Map(env),
    bindMounts: [],
  };
}
