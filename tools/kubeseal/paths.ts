/**
 * Where kubeseal is built and found. The directory is keyed by the pin in components/versions.ts,
 * so a new pin builds afresh and the round-trip test never runs a stale kubeseal.
 */
import { join } from "node:path";
import { toolVersions } from "../../components/versions";

export const KUBESEAL_VERSION: string = toolVersions.kubeseal;
export const REPO_ROOT = join(__dirname, "..", "..");
/** Our wrapper module (go.mod, go.sum, tools.go), committed beside this file. */
export const WRAPPER_DIR = __dirname;
export const KUBESEAL_DIR = join(REPO_ROOT, ".cache", "tools", `kubeseal-${KUBESEAL_VERSION}`);
export const KUBESEAL_BINARY = join(KUBESEAL_DIR, "kubeseal");

/** The module path kubeseal's go.mod declares, and the one the proxy serves it under. */
export const DECLARED_MODULE = "github.com/bitnami/sealed-secrets";
export const SERVED_MODULE = "github.com/bitnami-labs/sealed-secrets";
export const KUBESEAL_PACKAGE = `${DECLARED_MODULE}/cmd/kubeseal`;
