/**
 * The one module that builds every Go tool (tools/go/): go's errors and advice, the uniform
 * environment and flags, the wrapper pins, the reuse check, the cache, progress lines and the
 * command line's selection. The real build path runs once, on a throwaway hello-world wrapper
 * that needs only the standard library, so no network.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BuildError, buildTool, checkWrapper, goRunnerFor } from "../tools/go/build";
import {
  buildLogPath,
  linkIntoRepository,
  partialDir,
  readBuildTimes,
  recordBuildTime,
  removeStalePartials,
  toolDir,
  toolsCacheRoot,
} from "../tools/go/cache";
import { outcomeText } from "../tools/go/cli";
import { goBuildArgs, goEnvironment } from "../tools/go/environment";
import { adviceFor, keyGoErrorLine, localGoRelease } from "../tools/go/goCommand";
import {
  goDirectives,
  parsePins,
  wrapperGoMod,
  wrapperPins,
  wrapperProblems,
} from "../tools/go/goMod";
import type { GoTool } from "../tools/go/goTool";
import { kubernetesVersionLdflags } from "../tools/go/kubernetes/tool";
import {
  stagingModules,
  stagingProblems,
  stagingReplaces,
  stagingVersion,
} from "../tools/go/kubernetes/staging";
import { downloadIn, duration, ProgressReporter, progressLine } from "../tools/go/progress";
import {
  allTools,
  defaultSelection,
  groups,
  SelectionError,
  selectTools,
  wrapperSharers,
} from "../tools/go/registry";
import {
  buildInputsDigest,
  completeOlderStamp,
  isBuilt,
  preparationDigest,
  STAMP,
  writeStamp,
} from "../tools/go/reuse";
import { vendoredCopy } from "../tools/go/vendor";

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "go-tools-test-"));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A wrapper of our own: a main package that prints a version stamped at link time. */
function helloWrapper(dir: string, source = 'fmt.Println("hello", version)'): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "go.mod"), "module example.local/hello\n\ngo 1.22\n");
  writeFileSync(join(dir, "go.sum"), "");
  writeFileSync(
    join(dir, "main.go"),
    `package main\n\nimport "fmt"\n\nvar version = "unset"\n\nfunc main() {\n\t${source}\n}\n`,
  );
  writeFileSync(join(dir, "tool.ts"), "// the definition; not a build input as a file\n");
  return dir;
}

function helloTool(wrapperDir: string, overrides: Partial<GoTool> = {}): GoTool {
  return {
    name: "hello",
    version: "v1.2.3",
    purpose: "a test tool",
    wrapperDir,
    binaries: { hello: "." },
    requires: {},
    upstream: { module: "example.local/hello", version: "v1.2.3" },
    ldflags: ["-X main.version=v1.2.3"],
    ...overrides,
  };
}

describe("go's errors, reduced to one line with advice", () => {
  it("reports the exact proxy refusal, with what to do", () => {
    const output = [
      "go: downloading k8s.io/api v0.99.0",
      "go: k8s.io/api@v0.99.0: reading https://proxy.golang.org/k8s.io/api/@v/v0.99.0.mod: 404 Not Found",
      "\tserver response: not found: k8s.io/api@v0.99.0: invalid version: unknown revision v0.99.0",
    ].join("\n");
    expect(keyGoErrorLine(output)).toBe(
      "go: k8s.io/api@v0.99.0: reading https://proxy.golang.org/k8s.io/api/@v/v0.99.0.mod: 404 Not Found",
    );
    expect(adviceFor(output)).toMatch(
      /^the Go module proxy did not serve a module the build needs; check the pin in tools\/go\/versions\.ts/,
    );
  });

  it("reports the proxy's refusal from `go mod download -json` on one line", () => {
    const output = JSON.stringify({
      Path: "k8s.io/sample-cli-plugin",
      Error:
        "k8s.io/sample-cli-plugin@v0.36.3: reading https://proxy.golang.org/k8s.io/sample-cli-plugin/@v/v0.36.3.info: 403 Forbidden\n\tserver response: This module version is not available.",
    });
    expect(keyGoErrorLine(output)).toBe(
      "k8s.io/sample-cli-plugin@v0.36.3: reading https://proxy.golang.org/k8s.io/sample-cli-plugin/@v/v0.36.3.info: 403 Forbidden; server response: This module version is not available",
    );
    expect(adviceFor(output)).toMatch(/^the Go module proxy did not serve a module/);
  });

  it("tells an unreachable proxy from one that refuses", () => {
    const output =
      'go: k8s.io/api@v0.2.3: Get "https://proxy.golang.org/k8s.io/api/@v/v0.2.3.mod": dial tcp: lookup proxy.golang.org: no such host';
    expect(keyGoErrorLine(output)).toBe(output);
    expect(adviceFor(output)).toMatch(/^the Go module proxy could not be reached/);
  });

  it("reports a compile error's own line, a too-old Go, and a stale go.sum for what they are", () => {
    expect(keyGoErrorLine("# k8s.io/x\nvendor/x/y.go:12:3: undefined: z\n")).toBe(
      "vendor/x/y.go:12:3: undefined: z",
    );
    expect(
      adviceFor("go: go.mod requires go >= 1.99.0 (running go 1.26.8; GOTOOLCHAIN=local)"),
    ).toMatch(/too old/);
    expect(adviceFor("main.go:3:8: missing go.sum entry for module providing package x")).toBe(
      "the wrapper's go.mod or go.sum is out of date; run `npm run tools:build -- --repin <name>`",
    );
  });
});

describe("the build environment and flags, the same for every tool", () => {
  it("turns off workspaces, cgo and the user's GOFLAGS, and adds only what a tool declares", () => {
    expect(goEnvironment({})).toEqual({ GOWORK: "off", CGO_ENABLED: "0", GOFLAGS: "" });
    expect(goEnvironment({ toolchain: "go1.27.3", env: { GOFIPS140: "latest" } })).toEqual({
      GOWORK: "off",
      CGO_ENABLED: "0",
      GOFLAGS: "",
      GOTOOLCHAIN: "go1.27.3",
      GOFIPS140: "latest",
    });
    expect(goEnvironment({ env: { CGO_ENABLED: "1" } }).CGO_ENABLED).toBe("1");
  });

  it("builds only what the committed go.sum allows, into the binary name asked for", () => {
    const args = goBuildArgs({
      output: "/out/etcd",
      pkg: "go.etcd.io/etcd/server/v3",
      ldflags: ["-X a.b=c"],
    });
    expect(args.slice(0, 4)).toEqual(["build", "-mod=readonly", "-trimpath", "-buildvcs=false"]);
    expect(args[args.indexOf("-ldflags") + 1]).toBe("-s -w -X a.b=c");
    expect(args.slice(-3)).toEqual(["-o", "/out/etcd", "go.etcd.io/etcd/server/v3"]);
    expect(args).not.toContain("-overlay");
  });

  it("builds from the vendor directory and with an overlay only when asked", () => {
    const args = goBuildArgs({
      output: "/out/x",
      pkg: "./cmd/x",
      ldflags: [],
      overlay: "/scratch/overlay.json",
      vendored: true,
    });
    expect(args.slice(0, 6)).toEqual([
      "build",
      "-mod=vendor",
      "-trimpath",
      "-buildvcs=false",
      "-overlay",
      "/scratch/overlay.json",
    ]);
    expect(args[args.indexOf("-ldflags") + 1]).toBe("-s -w");
  });

  it("stamps the Kubernetes release into both version packages so /version reports it", () => {
    const ldflags = kubernetesVersionLdflags("v1.2.3", "2026-01-02T03:04:05Z");
    for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
      expect(ldflags).toContain(`-X ${pkg}.gitVersion=v1.2.3`);
      expect(ldflags).toContain(`-X ${pkg}.gitMajor=1`);
      expect(ldflags).toContain(`-X ${pkg}.gitMinor=2`);
      expect(ldflags).toContain(`-X ${pkg}.buildDate=2026-01-02T03:04:05Z`);
    }
  });
});

describe("wrapper modules", () => {
  const upstream = [
    "module k8s.io/kubernetes",
    "",
    "go 1.99.0",
    "",
    "godebug default=go1.99",
    "",
    "require (",
    "\tgithub.com/example/dep v1.0.0",
    "\tk8s.io/api v0.0.0",
    "\tk8s.io/client-go v0.0.0",
    "\tk8s.io/utils v0.0.0-20260101000000-abcdef123456",
    ")",
    "",
    "replace (",
    "\tk8s.io/api => ./staging/src/k8s.io/api",
    "\tk8s.io/client-go => ./staging/src/k8s.io/client-go",
    "\tk8s.io/sample-cli-plugin => ./staging/src/k8s.io/sample-cli-plugin",
    ")",
  ].join("\n");

  it("finds Kubernetes' staging modules as those required at v0.0.0", () => {
    expect(stagingModules(upstream)).toEqual(["k8s.io/api", "k8s.io/client-go"]);
    expect(goDirectives(upstream)).toEqual({ go: "1.99.0", godebug: ["default=go1.99"] });
    expect(stagingVersion("v1.2.3")).toBe("v0.2.3");
    expect(() => stagingVersion("1.2.3")).toThrow("not of the form v1.<minor>.<patch>");
  });

  it("writes a go.mod that pins each staging module to v0.<minor>.<patch> of the release", () => {
    const goMod = wrapperGoMod({
      module: "k8sflux.local/control-plane/kubernetes",
      names: ["kubernetes"],
      directives: goDirectives(upstream),
      toolPackages: ["k8s.io/kubernetes/cmd/kube-apiserver"],
      requires: { "k8s.io/kubernetes": "v1.2.3" },
      replaces: stagingReplaces(upstream, "v1.2.3"),
    });
    const { requires, replaces } = parsePins(goMod);
    expect([...requires]).toEqual([["k8s.io/kubernetes", "v1.2.3"]]);
    expect([...replaces]).toEqual([
      ["k8s.io/api", "k8s.io/api v0.2.3"],
      ["k8s.io/client-go", "k8s.io/client-go v0.2.3"],
    ]);
    expect(goMod).toContain("\ngo 1.99.0\n\ngodebug default=go1.99\n");
    expect(goMod).toContain("\ntool k8s.io/kubernetes/cmd/kube-apiserver\n");
    expect(goMod).not.toContain("toolchain");
    expect(stagingProblems(goMod, "v1.2.3")).toEqual([]);
    expect(stagingProblems(goMod, "v1.2.4")).toEqual([
      "replaces k8s.io/api with v0.2.3, not v0.2.4",
      "replaces k8s.io/client-go with v0.2.3, not v0.2.4",
    ]);
    expect(stagingProblems("module x\n", "v1.2.3")).toEqual(["replaces no staging modules"]);
  });

  it("names each disagreement between a go.mod and the pins, directory replacements included", () => {
    const tool = helloTool(scratch, {
      requires: { "example.com/a": "v1.0.0", "example.com/b": "v2.0.0" },
      replaces: { "example.com/c": "./c", "example.com/d": "example.com/d v0.1.0" },
    });
    const goMod = [
      "module x",
      "require example.com/a v1.0.0",
      "require (",
      "\texample.com/b v2.0.1 // indirect",
      ")",
      "replace example.com/c v1.0.0 => ./c",
      "replace (",
      "\texample.com/d => example.com/d v0.2.0",
      ")",
    ].join("\n");
    expect(parsePins(goMod).replaces.get("example.com/c")).toBe("./c");
    expect(wrapperProblems(tool, goMod)).toEqual([
      "requires example.com/b v2.0.1, not v2.0.0",
      "replaces example.com/d with example.com/d v0.2.0, not example.com/d v0.1.0",
    ]);
    expect(wrapperProblems(tool, "module x\n")).toEqual([
      "requires example.com/a (nothing), not v1.0.0",
      "requires example.com/b (nothing), not v2.0.0",
      "replaces example.com/c with (nothing), not ./c",
      "replaces example.com/d with (nothing), not example.com/d v0.1.0",
    ]);
  });

  it("pins what every tool sharing a wrapper needs, with tool lines only for others' packages", () => {
    const kubeseal = allTools.find((tool) => tool.name === "kubeseal");
    expect(kubeseal).toBeDefined();
    const sharers = wrapperSharers(kubeseal as GoTool);
    expect(sharers.map((tool) => tool.name)).toEqual(["kubeseal", "sealed-secrets-controller"]);
    expect(wrapperPins(sharers).toolPackages).toEqual([
      "github.com/bitnami/sealed-secrets/cmd/controller",
      "github.com/bitnami/sealed-secrets/cmd/kubeseal",
    ]);
    const tls = allTools.find((tool) => tool.name === "pulumi-resource-tls") as GoTool;
    expect(wrapperPins([tls]).toolPackages).toEqual([]);
  });

  it.each(allTools.map((tool) => [tool.name, tool] as const))(
    "%s: the committed wrapper is in step with tools/go/versions.ts",
    (_, tool) => {
      expect(() => checkWrapper(tool)).not.toThrow();
      if (tool.name === "kubernetes") {
        const goMod = readFileSync(join(tool.wrapperDir, "go.mod"), "utf8");
        expect(parsePins(goMod).replaces.size).toBeGreaterThan(20);
      }
    },
  );

  it("refuses a wrapper that disagrees with the pins, naming the repin command", () => {
    const tool = helloTool(helloWrapper(join(scratch, "wrapper")), {
      requires: { "example.com/a": "v1.0.0" },
    });
    expect(() => checkWrapper(tool)).toThrow(BuildError);
    expect(() => checkWrapper(tool)).toThrow(
      /go\.mod requires example\.com\/a \(nothing\), not v1\.0\.0 \(tools\/go\/versions\.ts pins hello v1\.2\.3\); run `npm run tools:build -- --repin hello`/,
    );
    rmSync(join(tool.wrapperDir, "go.sum"));
    expect(() => checkWrapper({ ...tool, requires: {} })).toThrow(/has no go\.sum next to it/);
  });
});

describe("the reuse check", () => {
  const GO = "go1.26.1";
  let tool: GoTool;
  let dir: string;
  beforeEach(() => {
    tool = helloTool(helloWrapper(join(scratch, "wrapper")));
    dir = join(scratch, "cache", "hello-v1.2.3");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "hello"), "a binary");
    writeStamp(dir, tool, GO);
  });

  /** A tool whose prepare step lives in its tool.ts and calls a helper beside it. */
  function preparedTool(): GoTool {
    writeFileSync(join(tool.wrapperDir, "embeds.ts"), "export const schema = 'v1';\n");
    const prepared = { ...tool, prepare: () => Promise.resolve({}) };
    writeStamp(dir, prepared, GO);
    return prepared;
  }

  it("reuses a build made from the same wrapper and definition, also from another clone", () => {
    expect(isBuilt(tool, dir, GO)).toBe(true);
    const otherClone = helloWrapper(join(scratch, "other-clone", "tools", "go", "hello"));
    expect(isBuilt({ ...tool, wrapperDir: otherClone }, dir, GO)).toBe(true);
  });

  it("rebuilds after any wrapper file changes, also one in a subdirectory", () => {
    writeFileSync(join(tool.wrapperDir, "main.go"), "package main\n\nfunc main() {}\n");
    expect(isBuilt(tool, dir, GO)).toBe(false);
    writeStamp(dir, tool, GO);
    mkdirSync(join(tool.wrapperDir, "shim"));
    writeFileSync(join(tool.wrapperDir, "shim", "go.mod"), "module shim\n");
    expect(isBuilt(tool, dir, GO)).toBe(false);
  });

  it("does not rebuild a tool without a prepare step for an edit of its TypeScript", () => {
    writeFileSync(join(tool.wrapperDir, "tool.ts"), "// a comment changed\n");
    expect(isBuilt(tool, dir, GO)).toBe(true);
  });

  it("rebuilds a tool with a prepare step when its tool.ts or a helper beside it changes", () => {
    const prepared = preparedTool();
    expect(isBuilt(prepared, dir, GO)).toBe(true);
    writeFileSync(join(tool.wrapperDir, "embeds.ts"), "export const schema = 'v2';\n");
    expect(isBuilt(prepared, dir, GO)).toBe(false);
    writeStamp(dir, prepared, GO);
    writeFileSync(join(tool.wrapperDir, "tool.ts"), "// the prepare step changed\n");
    expect(isBuilt(prepared, dir, GO)).toBe(false);
    writeStamp(dir, prepared, GO);
    writeFileSync(join(tool.wrapperDir, "staging.ts"), "export const added = true;\n");
    expect(isBuilt(prepared, dir, GO)).toBe(false);
    expect(preparationDigest(prepared)).not.toBe(preparationDigest(tool));
  });

  it("rebuilds when the environment, linker flags, binaries or version change", () => {
    expect(isBuilt({ ...tool, env: { CGO_ENABLED: "1" } }, dir, GO)).toBe(false);
    expect(isBuilt({ ...tool, toolchain: "go1.27.3" }, dir, GO)).toBe(false);
    expect(isBuilt({ ...tool, ldflags: ["-X main.version=v9"] }, dir, GO)).toBe(false);
    expect(isBuilt({ ...tool, binaries: { hello: "./cmd/other" } }, dir, GO)).toBe(false);
    expect(isBuilt({ ...tool, version: "v1.2.4" }, dir, GO)).toBe(false);
    expect(buildInputsDigest(tool)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("rebuilds with another local go, unless the tool names its own toolchain", () => {
    expect(isBuilt(tool, dir, "go1.26.2")).toBe(false);
    // Without go here nothing could rebuild it, so the build in hand is the one to use.
    expect(isBuilt(tool, dir, undefined)).toBe(true);
    const pinned = { ...tool, toolchain: "go1.27.3" };
    writeStamp(dir, pinned, GO);
    expect(isBuilt(pinned, dir, "go1.26.2")).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, STAMP), "utf8"))).toMatchObject({ go: "go1.27.3" });
  });

  it("reuses a build stamped before preparation and go were recorded, then records them", () => {
    const prepared = preparedTool();
    const older = { version: prepared.version, inputs: buildInputsDigest(prepared) };
    writeFileSync(join(dir, STAMP), JSON.stringify(older));
    expect(isBuilt(prepared, dir, GO)).toBe(true);
    expect(completeOlderStamp(prepared, dir, GO)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, STAMP), "utf8"))).toEqual({
      ...older,
      preparation: preparationDigest(prepared),
      go: GO,
    });
    expect(completeOlderStamp(prepared, dir, GO)).toBe(false);
    // From then on the preparation code and the go release count.
    expect(isBuilt(prepared, dir, "go1.26.2")).toBe(false);
    writeFileSync(join(tool.wrapperDir, "embeds.ts"), "export const schema = 'v2';\n");
    expect(isBuilt(prepared, dir, GO)).toBe(false);
  });

  it("leaves an older stamp alone when its build is stale", () => {
    const older = JSON.stringify({ version: tool.version, inputs: "0".repeat(64) });
    writeFileSync(join(dir, STAMP), older);
    expect(isBuilt(tool, dir, GO)).toBe(false);
    expect(completeOlderStamp(tool, dir, GO)).toBe(false);
    expect(readFileSync(join(dir, STAMP), "utf8")).toBe(older);
  });

  it("rebuilds when a binary is missing or there is no stamp", () => {
    rmSync(join(dir, "hello"));
    expect(isBuilt(tool, dir, GO)).toBe(false);
    expect(isBuilt(tool, join(scratch, "cache", "never-built"), GO)).toBe(false);
  });
});

describe("the tools cache", () => {
  it("lives outside the repository, per user, unless K8S_FLUX_TOOLS_CACHE says otherwise", () => {
    expect(toolsCacheRoot({ HOME: "/home/u" })).toBe("/home/u/.cache/k8s-flux/tools");
    expect(toolsCacheRoot({ HOME: "/home/u", XDG_CACHE_HOME: "/xdg" })).toBe("/xdg/k8s-flux/tools");
    expect(
      toolsCacheRoot({ HOME: "/home/u", XDG_CACHE_HOME: "/xdg", K8S_FLUX_TOOLS_CACHE: "/t" }),
    ).toBe("/t");
    expect(toolDir({ name: "etcd", version: "v3.6.16" }, "/t")).toBe("/t/etcd-v3.6.16");
  });

  it("removes the partial directories of builds whose process is gone, and only those", () => {
    const root = join(scratch, "cache");
    const running = partialDir(join(root, "etcd-v3.6.16"), 111);
    const interrupted = partialDir(join(root, "kubernetes-v1.36.3"), 222);
    const finished = join(root, "kubernetes-v1.36.3");
    for (const dir of [running, interrupted, finished]) mkdirSync(dir, { recursive: true });
    writeFileSync(join(interrupted, "kube-apiserver"), "half a binary");
    expect(removeStalePartials(root, (pid) => pid === 111)).toEqual([
      "kubernetes-v1.36.3.partial-222",
    ]);
    expect(readdirSync(root).sort()).toEqual(["etcd-v3.6.16.partial-111", "kubernetes-v1.36.3"]);
    expect(removeStalePartials(join(scratch, "absent"))).toEqual([]);
  });

  it("records each tool's last build time, keeping the others", () => {
    const root = join(scratch, "cache");
    expect(readBuildTimes(root)).toEqual({});
    recordBuildTime(root, "etcd", { version: "v1", seconds: 90, finished: "2026-01-01T00:00:00Z" });
    recordBuildTime(root, "kubernetes", { version: "v2", seconds: 700, finished: "x" });
    recordBuildTime(root, "etcd", { version: "v3", seconds: 80, finished: "y" });
    expect(readBuildTimes(root)).toEqual({
      etcd: { version: "v3", seconds: 80, finished: "y" },
      kubernetes: { version: "v2", seconds: 700, finished: "x" },
    });
    expect(readdirSync(root)).toEqual(["build-times.json"]);
    writeFileSync(join(root, "build-times.json"), "[not json");
    expect(readBuildTimes(root)).toEqual({});
  });

  it("links .cache/tools to the cache unless a directory with contents is in the way", () => {
    const root = join(scratch, "cache");
    const link = join(scratch, "repo", ".cache", "tools");
    expect(linkIntoRepository(root, link)).toBe(true);
    expect(readlinkSync(link)).toBe(root);
    expect(linkIntoRepository(join(scratch, "other"), link)).toBe(true);
    expect(readlinkSync(link)).toBe(join(scratch, "other"));
    rmSync(link);
    mkdirSync(link);
    expect(linkIntoRepository(root, link)).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    rmSync(link);
    mkdirSync(link);
    writeFileSync(join(link, "kubeseal"), "an old build");
    expect(linkIntoRepository(root, link)).toBe(false);
    expect(lstatSync(link).isDirectory()).toBe(true);
    expect(existsSync(join(link, "kubeseal"))).toBe(true);
  });
});

describe("progress lines", () => {
  it("say which tool, which step, and the time so far against the last build", () => {
    expect(
      progressLine({
        tool: "kubernetes",
        version: "v1.36.3",
        step: "go build kube-apiserver",
        elapsedMs: 272_400,
        last: { version: "v1.36.3", seconds: 725 },
      }),
    ).toBe("kubernetes v1.36.3: go build kube-apiserver, 4m 32s so far (last build took 12m 05s)");
    expect(
      progressLine({
        tool: "etcd",
        version: "v3.6.16",
        step: "go build etcd",
        elapsedMs: 95_000,
        last: { version: "v3.6.15", seconds: 90 },
      }),
    ).toBe(
      "etcd v3.6.16: go build etcd, 1m 35s so far (last build of v3.6.15 took 1m 30s, longer already)",
    );
    expect(
      progressLine({
        tool: "pulumi",
        version: "v3.248.0",
        step: "go mod vendor",
        elapsedMs: 30_000,
      }),
    ).toBe("pulumi v3.248.0: go mod vendor, 30s so far (no earlier build recorded)");
  });

  it("come every 30 s with the current step, and show a download only while it is fresh", () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const reporter = new ProgressReporter(
        { tool: "etcd", version: "v3.6.16", last: { version: "v3.6.16", seconds: 100 } },
        (line) => lines.push(line),
      );
      reporter.moveTo("go build etcd");
      vi.advanceTimersByTime(29_999);
      expect(lines).toEqual([]);
      reporter.note("downloading go.etcd.io/bbolt v1.4.3");
      vi.advanceTimersByTime(1);
      vi.advanceTimersByTime(30_000);
      reporter.stop();
      vi.advanceTimersByTime(60_000);
      expect(lines).toEqual([
        "etcd v3.6.16: go build etcd, downloading go.etcd.io/bbolt v1.4.3, 30s so far (last build took 1m 40s)",
        "etcd v3.6.16: go build etcd, 1m 00s so far (last build took 1m 40s)",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("follow go's downloads, and format durations for people", () => {
    expect(
      downloadIn(
        "go: downloading k8s.io/api v0.36.3\ngo: downloading k8s.io/apimachinery v0.36.3\n",
      ),
    ).toBe("k8s.io/apimachinery v0.36.3");
    expect(downloadIn("# k8s.io/api\ncompiling\n")).toBeUndefined();
    expect([duration(400), duration(59_499), duration(60_000), duration(3_599_000)]).toEqual([
      "0s",
      "59s",
      "1m 00s",
      "59m 59s",
    ]);
    expect(outcomeText({ kind: "built", ms: 754_000 })).toBe("built in 12m 34s");
    expect(outcomeText({ kind: "reused" })).toBe("reused");
  });
});

describe("choosing what to build", () => {
  const names = (tools: GoTool[]): string[] => tools.map((tool) => tool.name);

  it("builds what the test stages need by default, in build order, without the GitOps programs", () => {
    expect(defaultSelection).toEqual(["kubeseal", "control-plane", "pulumi-engine"]);
    expect(names(selectTools([]))).toEqual([
      "kubeseal",
      "kubernetes",
      "etcd",
      "pulumi",
      "pulumi-language-nodejs",
      "pulumi-resource-kubernetes",
      "pulumi-resource-tls",
    ]);
  });

  it("takes tool and group names, once each, in build order", () => {
    expect(names(selectTools(["etcd", "control-plane"]))).toEqual(["kubernetes", "etcd"]);
    expect(names(selectTools(["gitops", "kubeseal"]))).toEqual([
      "kubeseal",
      "flux-operator",
      "flux-controllers",
      "sealed-secrets-controller",
    ]);
    expect(groups["pulumi-engine"]).toHaveLength(4);
  });

  it("refuses an unknown name, listing every tool and group", () => {
    expect(() => selectTools(["etcd", "kubectl", "flux"])).toThrow(SelectionError);
    expect(() => selectTools(["kubectl"])).toThrow(
      'unknown tool or group "kubectl"; choose from kubeseal, kubernetes, etcd, pulumi, ' +
        "pulumi-language-nodejs, pulumi-resource-kubernetes, pulumi-resource-tls, flux-operator, " +
        "flux-controllers, sealed-secrets-controller, control-plane, pulumi-engine, gitops",
    );
  });

  it("gives every tool its own cache directory and a wrapper of its own or a shared one", () => {
    const dirs = allTools.map((tool) => toolDir(tool, "/c"));
    expect(new Set(dirs).size).toBe(allTools.length);
    for (const tool of allTools) {
      expect(existsSync(join(tool.wrapperDir, "go.mod")), tool.name).toBe(true);
      expect(tool.version, tool.name).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });
});

describe("a real build of a throwaway wrapper", () => {
  const quiet = (): void => undefined;
  let localGo: string | undefined;
  beforeAll(async () => {
    localGo = await localGoRelease(tmpdir());
  });

  it("builds into the cache by way of a partial directory, stamps it and records its time", async ({
    skip,
  }) => {
    skip(localGo === undefined, "no Go on PATH");
    const tool = helloTool(helloWrapper(join(scratch, "wrapper")), {
      versionCheck: { binary: "hello", args: [], expect: "hello v1.2.3" },
    });
    const root = join(scratch, "cache");
    const result = await buildTool(tool, root, quiet);
    expect(result.dir).toBe(join(root, "hello-v1.2.3"));
    const run = spawnSync(join(result.dir, "hello"), { encoding: "utf8" });
    expect(run.stdout).toBe("hello v1.2.3\n");
    expect(isBuilt(tool, result.dir, localGo)).toBe(true);
    expect(JSON.parse(readFileSync(join(result.dir, STAMP), "utf8"))).toMatchObject({
      go: localGo,
    });
    expect(readdirSync(root).sort()).toEqual(["build-times.json", "hello-v1.2.3"]);
    expect(readBuildTimes(root).hello?.version).toBe("v1.2.3");
    expect(readBuildTimes(root).hello?.seconds).toBe(Math.round(result.ms / 1000));
  }, 180_000);

  it("leaves only a build log after a compile error, and says which line failed", async ({
    skip,
  }) => {
    skip(localGo === undefined, "no Go on PATH");
    const tool = helloTool(helloWrapper(join(scratch, "wrapper"), "fmt.Println(undefinedName)"));
    const root = join(scratch, "cache");
    const failure = await buildTool(tool, root, quiet).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BuildError);
    expect((failure as Error).message).toMatch(
      /^building hello v1\.2\.3 failed: go build exited with code 1: \S*main\.go:8:\d+: undefined: undefinedName; see the full output in the build log \(full output: .*hello-v1\.2\.3\.build\.log\)$/,
    );
    expect(readdirSync(root)).toEqual(["hello-v1.2.3.build.log"]);
    expect(readFileSync(buildLogPath(join(root, "hello-v1.2.3")), "utf8")).toContain(
      "undefined: undefinedName",
    );
  }, 180_000);

  it("vendors a copy of the wrapper, without our TypeScript, with the files asked for", async ({
    skip,
  }) => {
    skip(localGo === undefined, "no Go on PATH");
    const tool = helloTool(helloWrapper(join(scratch, "wrapper")));
    const before = readdirSync(tool.wrapperDir).sort();
    const copy = await vendoredCopy(
      { tool, scratch, go: goRunnerFor(tool), ldflags: [], step: quiet },
      { "example.local/ui/dist/index.html": "<p>placeholder</p>\n" },
    );
    expect(copy.startsWith(scratch)).toBe(true);
    expect(readdirSync(copy).sort()).toEqual(["go.mod", "go.sum", "main.go", "vendor"]);
    expect(
      readFileSync(join(copy, "vendor", "example.local", "ui", "dist", "index.html"), "utf8"),
    ).toBe("<p>placeholder</p>\n");
    expect(readdirSync(tool.wrapperDir).sort()).toEqual(before);
  }, 180_000);

  it("refuses a binary that does not report the pinned version", async ({ skip }) => {
    skip(localGo === undefined, "no Go on PATH");
    const tool = helloTool(helloWrapper(join(scratch, "wrapper")), {
      versionCheck: { binary: "hello", args: [], expect: "hello v9.9.9" },
    });
    const root = join(scratch, "cache");
    await expect(buildTool(tool, root, quiet)).rejects.toThrow(
      'building hello v1.2.3 failed: hello printed "hello v1.2.3", not hello v9.9.9',
    );
    expect(existsSync(join(root, "hello-v1.2.3"))).toBe(false);
  }, 180_000);
});
