/**
 * Where the control plane's binaries and the CLI's cluster live. The build cache is keyed by
 * version, so changing a pin in components/versions.ts builds into a new directory.
 */
import { join } from "node:path";
import { toolVersions } from "../../components/versions";

export const REPO_ROOT = join(__dirname, "..", "..");
export const TOOLS_ROOT = join(REPO_ROOT, ".cache", "tools");

/** The state directory of `npm run cluster:up`: certificates, etcd data, logs, pids. */
export const CLI_STATE_DIR = join(REPO_ROOT, ".cache", "cluster");

export interface GoTool {
  /** Directory name under .cache/tools and the log name in messages. */
  name: string;
  version: string;
  /** Our wrapper module, committed next to this file. */
  wrapperDir: string;
  /** Main packages built into the tool directory, keyed by binary name. */
  packages: Record<string, string>;
}

export const kubernetesTool: GoTool = {
  name: "kubernetes",
  version: toolVersions.kubernetes,
  wrapperDir: join(__dirname, "kubernetes"),
  packages: {
    "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
    "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
  },
};

export const etcdTool: GoTool = {
  name: "etcd",
  version: toolVersions.etcd,
  wrapperDir: join(__dirname, "etcd"),
  packages: { etcd: "go.etcd.io/etcd/server/v3" },
};

export function toolDir(tool: GoTool): string {
  return join(TOOLS_ROOT, `${tool.name}-${tool.version}`);
}

export const binaries = {
  etcd: join(toolDir(etcdTool), "etcd"),
  kubeApiserver: join(toolDir(kubernetesTool), "kube-apiserver"),
  kubeControllerManager: join(toolDir(kubernetesTool), "kube-controller-manager"),
};
