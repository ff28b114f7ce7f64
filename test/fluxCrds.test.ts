/**
 * The real CRDs the local stack installs (tools/local/fluxCrds.ts), read from a module laid out as
 * the Flux Operator's is: the distribution resolves as the operator resolves it, only CRDs are
 * taken, and a missing module is refused with the command that fetches it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  fluxDistributionCrds,
  localStackCrds,
  resolveFluxDistribution,
} from "../tools/local/fluxCrds";
import { moduleDirOf } from "../tools/go/moduleSource";

let moduleDir: string;

const crd = (name: string): string =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${name}\n`;
const deployment = (name: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n`;

function write(relativePath: string, text: string): void {
  const path = join(moduleDir, relativePath);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** A distribution directory whose source-controller.yaml names its release in a CRD. */
function bundle(release: string): void {
  write(
    `config/data/flux/${release}/source-controller.yaml`,
    [crd(`gitrepositories-${release}`), deployment("source-controller")].join("---\n"),
  );
}

beforeEach(() => {
  moduleDir = mkdtempSync(join(tmpdir(), "flux-crds-test-"));
});

afterEach(() => {
  rmSync(moduleDir, { recursive: true, force: true });
});

describe("the bundled Flux distribution a version resolves to", () => {
  beforeEach(() => {
    for (const release of ["v2.8.9", "v2.9.1", "v2.9.5", "v2.9.10", "v2.10.0"]) bundle(release);
    mkdirSync(join(moduleDir, "config/data/flux/not-a-release"));
  });

  it("takes the newest patch of a minor line, comparing numbers, not text", () => {
    expect(resolveFluxDistribution(moduleDir, "2.9.x")).toBe("v2.9.10");
    expect(resolveFluxDistribution(moduleDir, "2.8.x")).toBe("v2.8.9");
  });

  it("takes an exact release as it is", () => {
    expect(resolveFluxDistribution(moduleDir, "2.9.5")).toBe("v2.9.5");
  });

  it("refuses a line the module does not bundle, listing what it does", () => {
    expect(() => resolveFluxDistribution(moduleDir, "2.11.x")).toThrow(
      /bundles no Flux release matching "2\.11\.x"; it bundles .*v2\.9\.10/,
    );
  });

  it("refuses range forms the pin does not use", () => {
    expect(() => resolveFluxDistribution(moduleDir, ">=2.9.0")).toThrow(
      /neither a release \(2\.9\.5\) nor a minor line \(2\.9\.x\)/,
    );
  });

  it("reads only the CRDs of the resolved release", () => {
    write("config/data/flux/v2.9.10/kustomize-controller.yaml", crd("kustomizations"));
    write("config/data/flux/v2.9.10/rbac.yaml", deployment("not-a-crd"));
    const names = fluxDistributionCrds(moduleDir, "2.9.x").map((m) => m.metadata.name);
    expect(names).toEqual(["kustomizations", "gitrepositories-v2.9.10"]);
  });
});

describe("the local stack's CRDs", () => {
  it("are the operator's own, then Flux's", () => {
    write("config/crd/bases/fluxcd.controlplane.io_fluxinstances.yaml", crd("fluxinstances"));
    write("config/crd/bases/fluxcd.controlplane.io_resourcesets.yaml", crd("resourcesets"));
    bundle("v2.9.5");
    const names = localStackCrds(moduleDir, "2.9.x").map((m) => m.metadata.name);
    expect(names).toEqual(["fluxinstances", "resourcesets", "gitrepositories-v2.9.5"]);
  });
});

describe("the operator's module source", () => {
  const MODULE = "github.com/controlplaneio-fluxcd/flux-operator@v0.59.0";

  it("is the directory go mod download names", () => {
    expect(moduleDirOf(JSON.stringify({ Path: MODULE, Dir: "/cache/flux-operator" }), MODULE)).toBe(
      "/cache/flux-operator",
    );
  });

  it("is refused with go's own reason when the download names no directory", () => {
    expect(() =>
      moduleDirOf(JSON.stringify({ Path: MODULE, Error: "unknown revision v0.59.0" }), MODULE),
    ).toThrow(`go mod download ${MODULE}: unknown revision v0.59.0`);
    expect(() => moduleDirOf(JSON.stringify({ Path: MODULE, Dir: "" }), MODULE)).toThrow(
      `go mod download ${MODULE}: no directory in its answer`,
    );
  });
});
