/** The etcd server for the tests' control plane, from go.etcd.io/etcd/server/v3. */
import type { GoTool } from "../goTool";
import { toolVersions } from "../versions";

export const ETCD_MODULE = "go.etcd.io/etcd/server/v3";

export const etcdTool: GoTool = {
  name: "etcd",
  version: toolVersions.etcd,
  purpose: "the etcd server of the tests' control plane",
  wrapperDir: __dirname,
  // One binary named explicitly: go would name it after the package path, "server".
  binaries: { etcd: ETCD_MODULE },
  requires: { [ETCD_MODULE]: toolVersions.etcd },
  upstream: { module: ETCD_MODULE, version: toolVersions.etcd },
  versionCheck: {
    binary: "etcd",
    args: ["--version"],
    expect: `etcd Version: ${toolVersions.etcd.replace(/^v/, "")}`,
  },
};
