/**
 * `npm run cluster:build -- --repin`: rewrites our wrapper go.mod files for the versions in
 * components/versions.ts and lets `go mod tidy` refresh go.sum. Run it after changing a pin,
 * then commit both files.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runGo } from "./goCommand";
import { etcdTool, kubernetesTool, type GoTool } from "./tools";
import {
  ETCD_MODULE,
  etcdWrapperGoMod,
  goDirectives,
  KUBERNETES_MODULE,
  kubernetesWrapperGoMod,
  stagingModules,
} from "./wrapperModules";

/** The go.mod the module proxy serves for module@version. */
async function upstreamGoMod(module: string, version: string): Promise<string> {
  // Outside any module, so our wrappers' current pins play no part.
  const output = await runGo({
    args: ["mod", "download", "-json", `${module}@${version}`],
    cwd: tmpdir(),
    env: { GOFLAGS: "-mod=mod", GO111MODULE: "on" },
  });
  const info = JSON.parse(output) as { GoMod?: string; Error?: string };
  if (info.Error || !info.GoMod) {
    throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no go.mod"}`);
  }
  return readFileSync(info.GoMod, "utf8");
}

async function rewrite(tool: GoTool, goMod: string): Promise<void> {
  writeFileSync(join(tool.wrapperDir, "go.mod"), goMod);
  rmSync(join(tool.wrapperDir, "go.sum"), { force: true });
  await runGo({ args: ["mod", "tidy"], cwd: tool.wrapperDir });
}

export async function repinWrappers(): Promise<void> {
  const kubernetes = await upstreamGoMod(KUBERNETES_MODULE, kubernetesTool.version);
  await rewrite(
    kubernetesTool,
    kubernetesWrapperGoMod({
      version: kubernetesTool.version,
      staging: stagingModules(kubernetes),
      directives: goDirectives(kubernetes),
      tools: Object.values(kubernetesTool.packages),
    }),
  );
  const etcd = await upstreamGoMod(ETCD_MODULE, etcdTool.version);
  await rewrite(
    etcdTool,
    etcdWrapperGoMod({
      version: etcdTool.version,
      // Its `toolchain` line is left out on purpose: it would make every build fetch that Go.
      directives: goDirectives(etcd),
    }),
  );
}
