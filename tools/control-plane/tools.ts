/**
 * Where the control plane's binaries and the CLI's cluster live. The binaries are built by
 * `npm run tools:build -- control-plane` into the per-user tools cache (tools/go/).
 */
import { join } from "node:path";
import { binaryPath } from "../go/cache";
import { etcdTool } from "../go/etcd/tool";
import { kubernetesTool } from "../go/kubernetes/tool";
import { REPO_ROOT } from "../repoRoot";

/** The state directory of `npm run cluster:up`: certificates, etcd data, logs, pids. */
export const CLI_STATE_DIR = join(REPO_ROOT, ".cache", "cluster");

export const binaries = {
  etcd: binaryPath(etcdTool, "etcd"),
  kubeApiserver: binaryPath(kubernetesTool, "kube-apiserver"),
  kubeControllerManager: binaryPath(kubernetesTool, "kube-controller-manager"),
};
