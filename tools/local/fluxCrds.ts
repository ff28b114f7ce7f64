/**
 * The real CRDs of a cluster whose Flux Operator is managed elsewhere, as the local stack needs
 * them: no operator runs on a control plane without nodes, so they are read from where the
 * operator itself takes them, its module (tools/go/moduleSource.ts puts it in the Go module cache).
 *
 * - The operator's own CRDs (FluxInstance, ResourceSet, ResourceSetInputProvider, FluxReport),
 *   from config/crd/bases, as the preinstalled operator of the GitOps stage applies them.
 * - Flux's CRDs, from the distribution the operator bundles for the FluxInstance's version range
 *   (config/data/flux/<version>/), resolved as the operator resolves it: the newest bundled
 *   version in the range. Every controller's CRDs are taken, a few more kinds than the
 *   FluxInstance's component list installs; nothing in the local stack uses the extra kinds.
 *
 * The API server enforces their schemas and CEL rules, so a Flux object the program renders
 * wrongly is refused here as it would be on the real cluster.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { versions } from "../../components/versions";
import { crdsInDirectory, fluxOperatorCrds } from "../gitops/fluxOperator/preinstalled";
import type { Manifest } from "../kube/manifest";

/** The bundled distributions, one directory per Flux release (v2.9.5, ...). */
const distributionsDir = (moduleDir: string): string => join(moduleDir, "config", "data", "flux");

const RELEASE = /^v?(\d+)\.(\d+)\.(\d+)$/;
const PATCH_RANGE = /^v?(\d+)\.(\d+)\.x$/;

/**
 * The bundled release a distribution version resolves to: an exact release (`2.9.5`) or the
 * newest patch of a minor line (`2.9.x`), the two forms components/versions.ts may pin.
 */
export function resolveFluxDistribution(moduleDir: string, range: string): string {
  const releases = readdirSync(distributionsDir(moduleDir)).flatMap((name) => {
    const match = RELEASE.exec(name);
    return match ? [{ name, parts: match.slice(1).map(Number) as [number, number, number] }] : [];
  });
  const exact = RELEASE.exec(range);
  const patches = PATCH_RANGE.exec(range);
  if (!exact && !patches) {
    throw new Error(
      `Flux distribution version "${range}" is neither a release (2.9.5) nor a minor line (2.9.x)`,
    );
  }
  const wanted = (exact ?? patches ?? []).slice(1).map(Number);
  const newest = releases
    .filter(({ parts }) => wanted.every((part, index) => parts[index] === part))
    .sort((a, b) => b.parts[2] - a.parts[2])[0];
  if (!newest) {
    throw new Error(
      `the Flux Operator module in ${moduleDir} bundles no Flux release matching "${range}"; ` +
        `it bundles ${releases.map(({ name }) => name).join(", ")}`,
    );
  }
  return newest.name;
}

/** Flux's CRDs as the operator would install them for this distribution version. */
export function fluxDistributionCrds(moduleDir: string, range: string): Manifest[] {
  return crdsInDirectory(
    join(distributionsDir(moduleDir), resolveFluxDistribution(moduleDir, range)),
  );
}

/** The operator's CRDs, then Flux's for the pinned distribution. */
export function localStackCrds(
  moduleDir: string,
  range: string = versions.fluxDistribution.version,
): Manifest[] {
  return [...fluxOperatorCrds(moduleDir), ...fluxDistributionCrds(moduleDir, range)];
}
