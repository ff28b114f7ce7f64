/**
 * The one place that runs the machine's `go`, and turns its failures into one line: which step
 * failed, the exact go error that matters, and what to do about it.
 */
import { spawn } from "node:child_process";

export class GoCommandError extends Error {
  override name = "GoCommandError";
  constructor(
    message: string,
    /** Everything go printed, for the build log; empty when go did not run at all. */
    readonly output: string,
  ) {
    super(message);
  }
}

export const GO_MISSING =
  "Go is not installed or not on PATH (spawn go ENOENT); install Go 1.26 or newer (https://go.dev/dl/) and run again";

/** `go mod download -json` reports a failure in an Error field, possibly over several lines. */
function errorOfJsonOutput(output: string): string | undefined {
  if (!output.trimStart().startsWith("{")) return undefined;
  try {
    const error = (JSON.parse(output) as { Error?: unknown }).Error;
    return typeof error === "string" ? error.replace(/\n\s*/g, "; ").replace(/\.$/, "") : undefined;
  } catch {
    return undefined;
  }
}

const PROXY_REFUSAL =
  /reading https?:\/\/|\b40[34] [A-Za-z ]+|410 Gone|not found:|unknown revision|invalid version/;
const UNREACHABLE = /dial tcp|i\/o timeout|connection refused|no such host|TLS handshake/;

/** The line of go's output that names the failure, e.g. a proxy's 404 or a compile error. */
export function keyGoErrorLine(output: string): string {
  const jsonError = errorOfJsonOutput(output);
  if (jsonError) return jsonError;
  const lines = output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^go: (?:downloading|finding|extracting) /.test(line));
  const fetchFailure = lines.find(
    (line) =>
      PROXY_REFUSAL.test(line) ||
      /verifying .*: checksum mismatch/.test(line) ||
      /dial tcp/.test(line),
  );
  if (fetchFailure) return fetchFailure;
  const goError = lines.find((line) => /^go: /.test(line) || /\.go:\d+:\d+: /.test(line));
  return goError ?? lines[lines.length - 1] ?? "(go printed nothing)";
}

const REPIN = "npm run tools:build -- --repin <name>";

/** What to do about a failed go step, judged from its output. */
export function adviceFor(output: string): string {
  if (UNREACHABLE.test(output)) {
    return "the Go module proxy could not be reached; check network access to GOPROXY (https://proxy.golang.org)";
  }
  if (PROXY_REFUSAL.test(output)) {
    return "the Go module proxy did not serve a module the build needs; check the pin in tools/go/versions.ts and that GOPROXY (https://proxy.golang.org) is reachable";
  }
  if (/checksum mismatch|SECURITY ERROR/.test(output)) {
    return `a module did not match go.sum; do not edit go.sum by hand, run \`${REPIN}\``;
  }
  if (/requires go >= |toolchain not available|go\.mod requires go/.test(output)) {
    return "this Go is too old for the pinned release; install the Go version named above";
  }
  if (/missing go\.sum entry|updates to go\.mod needed|inconsistent vendoring/.test(output)) {
    return `the wrapper's go.mod or go.sum is out of date; run \`${REPIN}\``;
  }
  return "see the full output in the build log";
}

export interface GoRun {
  args: string[];
  cwd: string;
  /** Variables over process.env. */
  env?: Record<string, string>;
  /** Sees go's output as it comes, e.g. to follow its downloads. */
  onOutput?: (chunk: string) => void;
}

/** Runs go and resolves with what it printed; rejects with a GoCommandError naming the failure. */
export function runGo(run: GoRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("go", run.args, {
      cwd: run.cwd,
      env: { ...process.env, ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: string): void => {
      output += chunk;
      run.onOutput?.(chunk);
    };
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new GoCommandError(
          error.code === "ENOENT" ? GO_MISSING : `could not run go: ${error.message}`,
          "",
        ),
      );
    });
    child.once("close", (code, signal) => {
      if (code === 0) {
        resolve(output);
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(
        new GoCommandError(`go ${goStep(run.args)} ${how}: ${keyGoErrorLine(output)}`, output),
      );
    });
  });
}

/** "build", "mod tidy": the subcommand, for messages. */
export function goStep(args: string[]): string {
  return args.slice(0, args[0] === "mod" ? 2 : 1).join(" ");
}

/** Runs go for one tool in its wrapper and environment, naming the step for the progress line. */
export type GoRunner = (
  args: string[],
  options?: { step?: string; cwd?: string },
) => Promise<string>;

/** This machine's go release (`go env GOVERSION`), or undefined when go cannot be started. */
export async function localGoRelease(cwd: string): Promise<string | undefined> {
  try {
    return (await runGo({ args: ["env", "GOVERSION"], cwd })).trim() || "go";
  } catch (error) {
    if (error instanceof GoCommandError && error.message === GO_MISSING) return undefined;
    throw error;
  }
}

/** Whether `go` can be started at all. */
export async function hasGo(cwd: string): Promise<boolean> {
  return (await localGoRelease(cwd)) !== undefined;
}
