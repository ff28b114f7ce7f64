/**
 * `npm run tools:kubeseal [-- --repin]`: builds the pinned kubeseal from the Go module proxy with
 * this machine's Go, through our wrapper module, into .cache/tools/kubeseal-<version>/, for the
 * round-trip test (test/kubeseal.test.ts). It runs inside `npm test`, so it says one line: reused,
 * built, or skipped because there is no Go. A Go failure prints go's own error and exits 1.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import {
  KUBESEAL_BINARY,
  KUBESEAL_DIR,
  KUBESEAL_PACKAGE,
  KUBESEAL_VERSION,
  REPO_ROOT,
  WRAPPER_DIR,
} from "./paths";
import { repinArgs, wrapperProblems } from "./wrapper";

const USAGE = "usage: npm run tools:kubeseal [-- --repin]";
const shown = (path: string): string => relative(REPO_ROOT, path);

class BuildFailure extends Error {}

function go(args: string[]): SpawnSyncReturns<string> {
  return spawnSync("go", args, {
    cwd: WRAPPER_DIR,
    // An enclosing go.work would pull in other modules; this build must see only the wrapper.
    env: { ...process.env, GOWORK: "off" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function hasGo(): boolean {
  const probe = go(["version"]);
  return !(probe.error && (probe.error as NodeJS.ErrnoException).code === "ENOENT");
}

/** go's own words, without the download chatter. */
function goError(run: SpawnSyncReturns<string>): string {
  if (run.error) return run.error.message;
  const lines = `${run.stderr}${run.stdout}`
    .split("\n")
    .filter((line) => line.trim() !== "" && !/^go: (?:downloading|finding|extracting) /.test(line));
  return lines.slice(-20).join("\n") || `go exited with code ${run.status}`;
}

function checkWrapper(): void {
  const problems = wrapperProblems(
    readFileSync(join(WRAPPER_DIR, "go.mod"), "utf8"),
    KUBESEAL_VERSION,
  );
  if (problems.length > 0) {
    throw new BuildFailure(
      `${shown(join(WRAPPER_DIR, "go.mod"))} ${problems.join(" and ")}, but components/versions.ts pins kubeseal ${KUBESEAL_VERSION}; run \`npm run tools:kubeseal -- --repin\``,
    );
  }
}

function repin(): void {
  for (const args of [repinArgs(KUBESEAL_VERSION), ["mod", "tidy"]]) {
    const run = go(args);
    if (run.error || run.status !== 0) {
      throw new BuildFailure(`go ${args.slice(0, 2).join(" ")} failed:\n${goError(run)}`);
    }
  }
  console.log(`kubeseal: ${shown(WRAPPER_DIR)}/go.mod and go.sum now build ${KUBESEAL_VERSION}`);
}

function build(): void {
  const started = Date.now();
  // Build beside the final directory and rename, so an interrupted build is never mistaken for
  // a finished one.
  const partial = `${KUBESEAL_DIR}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(partial), { recursive: true });
  const run = go([
    "build",
    // Only the committed go.sum decides what is built; drift is an error, never an edit.
    "-mod=readonly",
    "-trimpath",
    "-buildvcs=false",
    "-ldflags",
    `-s -w -X main.VERSION=${KUBESEAL_VERSION}`,
    "-o",
    join(partial, "kubeseal"),
    KUBESEAL_PACKAGE,
  ]);
  if (run.error || run.status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new BuildFailure(`kubeseal ${KUBESEAL_VERSION}: go build failed:\n${goError(run)}`);
  }
  const version = spawnSync(join(partial, "kubeseal"), ["--version"], { encoding: "utf8" });
  if (!version.stdout?.includes(KUBESEAL_VERSION)) {
    rmSync(partial, { recursive: true, force: true });
    throw new BuildFailure(
      `kubeseal ${KUBESEAL_VERSION}: the built binary reports "${(version.stdout ?? "").trim()}"`,
    );
  }
  rmSync(KUBESEAL_DIR, { recursive: true, force: true });
  renameSync(partial, KUBESEAL_DIR);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`kubeseal ${KUBESEAL_VERSION}: built ${shown(KUBESEAL_BINARY)} in ${seconds}s`);
}

function main(): void {
  let repinning: boolean;
  try {
    repinning = parseArgs({ options: { repin: { type: "boolean" } } }).values.repin === true;
  } catch (error) {
    throw new BuildFailure(`${(error as Error).message}; ${USAGE}`);
  }
  const why = "no Go toolchain on PATH (https://go.dev/dl/)";
  if (repinning) {
    if (!hasGo()) throw new BuildFailure(`kubeseal: cannot repin: ${why}`);
    repin();
  }
  // The directory is keyed by the pin, so what is there was built for it, Go or no Go today.
  if (existsSync(KUBESEAL_BINARY)) {
    console.log(`kubeseal ${KUBESEAL_VERSION}: reusing ${shown(KUBESEAL_BINARY)}`);
    return;
  }
  if (!hasGo()) {
    console.log(`kubeseal: not built, ${why}; the kubeseal round-trip test will be skipped`);
    return;
  }
  checkWrapper();
  console.log(
    `kubeseal ${KUBESEAL_VERSION}: building from the Go module proxy (minutes when cold)`,
  );
  build();
}

try {
  main();
} catch (error) {
  if (!(error instanceof BuildFailure)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
