/**
 * kube-apiserver and kube-controller-manager for the tests' control plane, from k8s.io/kubernetes
 * on the Go module proxy.
 */
import type { GoTool, PrepareContext } from "../goTool";
import { toolVersions } from "../versions";
import { stagingProblems, stagingReplaces } from "./staging";

export const KUBERNETES_MODULE = "k8s.io/kubernetes";

/**
 * -X flags that stamp the release into the binaries, as Kubernetes' own build does, so
 * /version reports it and feature gates know their version.
 */
export function kubernetesVersionLdflags(version: string, buildDate: string): string[] {
  const match = /^v(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!match)
    throw new Error(`Kubernetes version ${version} is not of the form v1.<minor>.<patch>`);
  const values: Record<string, string> = {
    gitVersion: version,
    gitMajor: match[1] as string,
    gitMinor: match[2] as string,
    // The module proxy carries no commit; empty beats the "$Format:%H$" placeholder.
    gitCommit: "",
    gitTreeState: "clean",
    buildDate,
  };
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) =>
    Object.entries(values).map(([name, value]) => `-X ${pkg}.${name}=${value}`),
  );
}

/** The release's publication time on the proxy, as a reproducible build date. */
async function releaseTime(context: PrepareContext): Promise<string> {
  const output = await context.go(["list", "-m", "-json", KUBERNETES_MODULE], {
    step: `go list -m ${KUBERNETES_MODULE}`,
  });
  const time = (JSON.parse(output) as { Time?: string }).Time;
  return time ? new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z") : "1970-01-01T00:00:00Z";
}

const version = toolVersions.kubernetes;

export const kubernetesTool: GoTool = {
  name: "kubernetes",
  version,
  purpose: "kube-apiserver and kube-controller-manager of the tests' control plane",
  wrapperDir: __dirname,
  binaries: {
    "kube-apiserver": `${KUBERNETES_MODULE}/cmd/kube-apiserver`,
    "kube-controller-manager": `${KUBERNETES_MODULE}/cmd/kube-controller-manager`,
  },
  requires: { [KUBERNETES_MODULE]: version },
  upstream: { module: KUBERNETES_MODULE, version },
  replacesFromUpstream: (goMod) => stagingReplaces(goMod, version),
  goModProblems: (goMod) => stagingProblems(goMod, version),
  prepare: async (context) => ({
    ldflags: kubernetesVersionLdflags(version, await releaseTime(context)),
  }),
  versionCheck: { binary: "kube-apiserver", args: ["--version"], expect: `Kubernetes ${version}` },
};
