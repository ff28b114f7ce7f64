/**
 * What a Go-built tool is: one of our wrapper modules (tools/go/<name>/), the main packages built
 * from it, and everything that decides the bits. Each tool's tool.ts describes one; build.ts,
 * repin.ts and reuse.ts treat them all alike.
 */
import type { GoRunner } from "./goCommand";

export interface GoTool {
  /** The name on the command line and in messages; with the version, its cache directory. */
  name: string;
  /** The release this build stands for. */
  version: string;
  /** One line: what it is and who needs it, for `npm run tools:build -- --list`. */
  purpose: string;
  /** Our wrapper module, committed in tools/go/<name>/ (or shared with another tool). */
  wrapperDir: string;
  /** Main packages built into the tool's directory, keyed by binary name. */
  binaries: Record<string, string>;
  /** Modules the wrapper's go.mod must require at exactly these versions. */
  requires: Record<string, string>;
  /**
   * Replace lines the wrapper's go.mod must hold, module => target: "path version" or "./dir".
   * Most repeat one from an upstream go.mod, which Go ignores outside the main module.
   */
  replaces?: Record<string, string>;
  /** The module whose `go` and `godebug` lines `--repin` copies into the wrapper's go.mod. */
  upstream: { module: string; version: string };
  /** Replace lines that follow from the upstream go.mod, which `--repin` adds. */
  replacesFromUpstream?: (upstreamGoMod: string) => Record<string, string>;
  /** Checks of the wrapper's go.mod beyond `requires` and `replaces`, one phrase per problem. */
  goModProblems?: (goMod: string) => string[];
  /** Variables over the uniform build environment (GOWORK=off, CGO_ENABLED=0). */
  env?: Record<string, string>;
  /** A Go release to build with instead of this machine's (GOTOOLCHAIN), fetched by go itself. */
  toolchain?: string;
  /** Linker flags after `-s -w`, e.g. `-X main.VERSION=v1.2.3` to stamp the release. */
  ldflags?: string[];
  /**
   * `go mod tidy` resolves everything after `--repin`; "build" resolves only what the binaries
   * import, for modules whose tests need modules the proxy refuses.
   */
  resolveWith?: "tidy" | "build";
  /** A step before `go build`, such as generating embedded files; see Preparation. */
  prepare?: (context: PrepareContext) => Promise<Preparation>;
  /** A run of the built binary that must print the version, so a wrong build never counts. */
  versionCheck?: { binary: string; args: string[]; expect: string };
  /** Set for Pulumi resource providers: the plugin `pulumi plugin install resource` registers. */
  plugin?: { name: string; version: string };
  /** Work after every selected tool is built or reused: linking, plugin installation. */
  install?: (context: InstallContext) => Promise<void>;
  /** Why the pins cannot build this tool at all; reported instead of trying. */
  unbuildable?: string;
  /** Without Go on this machine the build is skipped with this note instead of failing. */
  withoutGo?: string;
}

export interface PrepareContext {
  tool: GoTool;
  /** A directory of this build's own, removed afterwards. */
  scratch: string;
  /** Runs go in the wrapper with the tool's environment, as a named progress step. */
  go: GoRunner;
  /** The linker flags the binaries get, for helpers built along the way. */
  ldflags: string[];
  /** Reports a step that is not a go run, for the progress line. */
  step: (name: string) => void;
}

export interface Preparation {
  /** Files to put in place for the build only (`go build -overlay`): path in wrapper -> file. */
  overlay?: Record<string, string>;
  /** More linker flags, e.g. stamps that need the module proxy to compute. */
  ldflags?: string[];
  /** A copy of the wrapper with its dependencies vendored: the build runs there, -mod=vendor. */
  vendoredModule?: string;
}

export interface InstallContext {
  /** The directory of a tool built from today's inputs, by name; undefined when it is not. */
  builtDir: (name: string) => string | undefined;
  print: (line: string) => void;
}
