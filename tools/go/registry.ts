/**
 * Every Go-built tool, in build order, and the groups the command line accepts. The default set
 * is what the test stages need; the GitOps programs build only when asked for.
 */
import { etcdTool } from "./etcd/tool";
import { fluxControllersTool } from "./flux-controllers/tool";
import { fluxOperatorTool } from "./flux-operator/tool";
import type { GoTool } from "./goTool";
import { kubernetesTool } from "./kubernetes/tool";
import { kubesealTool } from "./kubeseal/tool";
import { pulumiCliTool } from "./pulumi/tool";
import { languageHostTool } from "./pulumi-language-nodejs/tool";
import { kubernetesProviderTool } from "./pulumi-resource-kubernetes/tool";
import { tlsProviderTool } from "./pulumi-resource-tls/tool";
import { sealedSecretsControllerTool } from "./sealed-secrets-controller/tool";

/** In build order: the CLI before the providers, since installing them needs it. */
export const allTools: GoTool[] = [
  kubesealTool,
  kubernetesTool,
  etcdTool,
  pulumiCliTool,
  languageHostTool,
  kubernetesProviderTool,
  tlsProviderTool,
  fluxOperatorTool,
  fluxControllersTool,
  sealedSecretsControllerTool,
];

export const groups: Record<string, string[]> = {
  /** test:cluster's API server. */
  "control-plane": [kubernetesTool.name, etcdTool.name],
  /** The local Pulumi engine of test:e2e, up:local and bench. */
  "pulumi-engine": [
    pulumiCliTool.name,
    languageHostTool.name,
    kubernetesProviderTool.name,
    tlsProviderTool.name,
  ],
  /** The programs that reconcile the local stack from git, and kubeseal, which seals for it. */
  gitops: [
    fluxOperatorTool.name,
    fluxControllersTool.name,
    sealedSecretsControllerTool.name,
    kubesealTool.name,
  ],
};

/** What `npm run tools:build` builds with no names: everything the test stages need. */
export const defaultSelection = [kubesealTool.name, "control-plane", "pulumi-engine"];

export class SelectionError extends Error {
  override name = "SelectionError";
}

/** The tools the names and group names stand for, in build order; refuses unknown names. */
export function selectTools(names: string[], tools: GoTool[] = allTools): GoTool[] {
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const name of names.length > 0 ? names : defaultSelection) {
    const members = groups[name] ?? (tools.some((tool) => tool.name === name) ? [name] : []);
    if (members.length === 0) unknown.push(name);
    for (const member of members) wanted.add(member);
  }
  if (unknown.length > 0) {
    const known = [...tools.map((tool) => tool.name), ...Object.keys(groups)].join(", ");
    throw new SelectionError(
      `unknown tool or group ${unknown.map((name) => `"${name}"`).join(", ")}; choose from ${known}`,
    );
  }
  return tools.filter((tool) => wanted.has(tool.name));
}

/** The tools sharing a wrapper module, which `--repin` writes together. */
export function wrapperSharers(tool: GoTool, tools: GoTool[] = allTools): [GoTool, ...GoTool[]] {
  return [tool, ...tools.filter((other) => other !== tool && other.wrapperDir === tool.wrapperDir)];
}
