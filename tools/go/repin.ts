/**
 * `npm run tools:build -- --repin <name...>`: writes a wrapper's go.mod afresh from the pins of
 * the tools it builds, then lets go resolve the rest into go.mod and go.sum. Run it after
 * changing a pin, then commit both files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { goEnvironment } from "./environment";
import { runGo, type GoRunner } from "./goCommand";
import { goDirectives, modulePath, wrapperGoMod, wrapperPins } from "./goMod";
import type { GoTool } from "./goTool";
import { goRunnerFor } from "./build";
import { ProgressReporter } from "./progress";

/** The go.mod the module proxy serves for module@version. */
async function upstreamGoMod(tool: GoTool): Promise<string> {
  const { module, version } = tool.upstream;
  // Outside any module, so the wrapper's current pins play no part.
  const output = await runGo({
    args: ["mod", "download", "-json", `${module}@${version}`],
    cwd: tmpdir(),
    env: { ...goEnvironment(tool), GOFLAGS: "-mod=mod", GO111MODULE: "on" },
  });
  const info = JSON.parse(output) as { GoMod?: string; Error?: string };
  if (info.Error || !info.GoMod) {
    throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no go.mod"}`);
  }
  return readFileSync(info.GoMod, "utf8");
}

/**
 * The go.mod `--repin` writes for the tools sharing one wrapper (usually one tool): the first
 * tool's upstream decides the `go` and `godebug` lines.
 */
export async function repinnedGoMod(tools: [GoTool, ...GoTool[]]): Promise<string> {
  const [first] = tools;
  const upstream = await upstreamGoMod(first);
  const pins = wrapperPins(tools);
  const goModPath = join(first.wrapperDir, "go.mod");
  const current = existsSync(goModPath) ? readFileSync(goModPath, "utf8") : "";
  return wrapperGoMod({
    module: modulePath(current) ?? `k8sflux.local/go/${basename(first.wrapperDir)}`,
    names: tools.map((tool) => tool.name),
    directives: goDirectives(upstream),
    toolPackages: pins.toolPackages,
    requires: pins.requires,
    replaces: { ...first.replacesFromUpstream?.(upstream), ...pins.replaces },
  });
}

/** Rewrites the wrapper shared by `tools`, and resolves go.sum the way the first tool asks. */
export async function repinWrapper(
  tools: [GoTool, ...GoTool[]],
  print: (line: string) => void,
): Promise<void> {
  const [first] = tools;
  const progress = new ProgressReporter({ tool: first.name, version: first.version }, print);
  try {
    progress.moveTo(`go mod download ${first.upstream.module}`);
    const goMod = await repinnedGoMod(tools);
    writeFileSync(join(first.wrapperDir, "go.mod"), goMod);
    rmSync(join(first.wrapperDir, "go.sum"), { force: true });
    await resolve(tools, goRunnerFor(first, progress));
  } finally {
    progress.stop();
  }
}

async function resolve(tools: [GoTool, ...GoTool[]], go: GoRunner): Promise<void> {
  if (tools[0].resolveWith === "build") {
    // Resolves only what the binaries import; `go mod tidy` would also want every test
    // dependency of every module, some of which the proxy refuses.
    const out = mkdtempSync(join(tmpdir(), "k8s-flux-repin-"));
    try {
      const packages = tools.flatMap((tool) => Object.values(tool.binaries));
      await go(["build", "-mod=mod", "-trimpath", "-o", `${out}/`, ...packages]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  } else {
    await go(["mod", "tidy"]);
  }
}
