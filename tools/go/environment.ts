/**
 * The environment and flags every go run of every tool gets, so the builds cannot drift apart
 * again: only the wrapper decides what is built, and the binaries are static.
 */
import type { GoTool } from "./goTool";

/** Variables over process.env for every go run of this tool, build and repin alike. */
export function goEnvironment(tool: Pick<GoTool, "env" | "toolchain">): Record<string, string> {
  return {
    // An enclosing go.work would pull other modules into the build; only the wrapper counts.
    GOWORK: "off",
    // Static binaries, as the projects release them; no C toolchain needed.
    CGO_ENABLED: "0",
    // The user's GOFLAGS (-mod=mod, -tags, ...) would change what is built behind our back.
    GOFLAGS: "",
    ...(tool.toolchain ? { GOTOOLCHAIN: tool.toolchain } : {}),
    ...tool.env,
  };
}

/** `go build` of one binary, named explicitly: go names a binary after its package's path. */
export function goBuildArgs(input: {
  output: string;
  pkg: string;
  ldflags: string[];
  overlay?: string;
  /** Build from a vendor directory instead of the module cache. */
  vendored?: boolean;
}): string[] {
  return [
    "build",
    // Only the committed go.mod and go.sum decide what is built; drift is an error, not an edit.
    input.vendored ? "-mod=vendor" : "-mod=readonly",
    "-trimpath",
    "-buildvcs=false",
    ...(input.overlay ? ["-overlay", input.overlay] : []),
    "-ldflags",
    ["-s", "-w", ...input.ldflags].join(" "),
    "-o",
    input.output,
    input.pkg,
  ];
}
