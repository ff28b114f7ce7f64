/**
 * kubeseal, for the round-trip test of our seal command (test/kubeseal.test.ts). Its wrapper
 * also builds the sealed-secrets controller (tools/go/sealed-secrets-controller/).
 */
import type { GoTool } from "../goTool";
import { toolVersions } from "../versions";

/** The module path sealed-secrets' go.mod declares, and the one the proxy serves it under. */
export const DECLARED_MODULE = "github.com/bitnami/sealed-secrets";
export const SERVED_MODULE = "github.com/bitnami-labs/sealed-secrets";

const version = toolVersions.kubeseal;

/** What every tool of this wrapper pins: the declared module, served under the other path. */
export const sealedSecretsPins = {
  requires: { [DECLARED_MODULE]: version },
  replaces: { [DECLARED_MODULE]: `${SERVED_MODULE} ${version}` },
  upstream: { module: SERVED_MODULE, version },
};

export const kubesealTool: GoTool = {
  name: "kubeseal",
  version,
  purpose: "kubeseal, for the round-trip test of the seal command",
  wrapperDir: __dirname,
  binaries: { kubeseal: `${DECLARED_MODULE}/cmd/kubeseal` },
  ...sealedSecretsPins,
  ldflags: [`-X main.VERSION=${version}`],
  versionCheck: { binary: "kubeseal", args: ["--version"], expect: `kubeseal version: ${version}` },
  withoutGo: "the kubeseal round-trip test will be skipped",
};
