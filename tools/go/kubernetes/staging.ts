/**
 * k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/client-go, ...) at v0.0.0
 * and points them at ./staging with replace lines, which Go ignores outside the main module. Our
 * wrapper replaces each with its published tag: v0.<minor>.<patch> for v1.<minor>.<patch>.
 */
import { parsePins } from "../goMod";

/** v1.36.3 -> v0.36.3, the tag every staging module has for that release. */
export function stagingVersion(kubernetesVersion: string): string {
  const match = /^v1\.(\d+)\.(\d+)$/.exec(kubernetesVersion);
  if (!match) {
    throw new Error(
      `Kubernetes version ${kubernetesVersion} is not of the form v1.<minor>.<patch>`,
    );
  }
  return `v0.${match[1]}.${match[2]}`;
}

/** The k8s.io modules k8s.io/kubernetes's own go.mod requires at v0.0.0, i.e. its staging modules. */
export function stagingModules(kubernetesGoMod: string): string[] {
  const modules = new Set<string>();
  for (const line of kubernetesGoMod.split("\n")) {
    const match = /^\s*(?:require\s+)?(k8s\.io\/[A-Za-z0-9._/-]+)\s+v0\.0\.0(?:\s|$)/.exec(line);
    if (match?.[1]) modules.add(match[1]);
  }
  return [...modules].sort();
}

/** Replace lines pinning each staging module to the release's tag. */
export function stagingReplaces(kubernetesGoMod: string, version: string): Record<string, string> {
  const pinned = stagingVersion(version);
  return Object.fromEntries(
    stagingModules(kubernetesGoMod).map((module) => [module, `${module} ${pinned}`]),
  );
}

/** What in the wrapper's staging replace lines disagrees with the release; empty when none. */
export function stagingProblems(goMod: string, version: string): string[] {
  const pinned = stagingVersion(version);
  const staging = [...parsePins(goMod).replaces].filter(
    ([module, target]) => module.startsWith("k8s.io/") && target.startsWith(`${module} `),
  );
  if (staging.length === 0) return ["replaces no staging modules"];
  return staging
    .filter(([module, target]) => target !== `${module} ${pinned}`)
    .map(([module, target]) => `replaces ${module} with ${target.split(" ")[1]}, not ${pinned}`);
}
