/**
 * Running the machine's `go` for our wrapper modules and reducing a failure to the one line of
 * go's output that says what went wrong.
 */
import { spawn } from "node:child_process";

export class GoError extends Error {
  override name = "GoError";
  constructor(
    message: string,
    /** Everything go printed, for the build log. */
    readonly output: string,
  ) {
    super(message);
  }
}

const GO_MISSING = "Go is not installed or not on PATH; install Go 1.26 or newer and run again";

/** The line that names the failure: a proxy refusal, a missing module, a compile error. */
export function keyGoErrorLine(output: string): string {
  const lines = output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^go: (?:downloading|finding|extracting) /.test(line));
  const refusal = lines.find((line) =>
    /reading https?:\/\/|\b40[34] |410 Gone|unknown revision|invalid version|checksum mismatch|dial tcp/.test(
      line,
    ),
  );
  return (
    refusal ??
    lines.find((line) => /^go: /.test(line) || /\.go:\d+:\d+: /.test(line)) ??
    lines.at(-1) ??
    "(go printed nothing)"
  );
}

/** What a user can do about a failed go step. */
export function adviceFor(output: string): string {
  if (/reading https?:\/\/|\b40[34] |410 Gone|unknown revision|invalid version/.test(output)) {
    return "the Go module proxy does not serve a module version this build needs; see the pins in components/versions.ts";
  }
  if (/dial tcp|i\/o timeout|connection refused|no such host/.test(output)) {
    return "the Go module proxy could not be reached; check GOPROXY and the network";
  }
  if (/missing go\.sum entry|updates to go\.mod needed|checksum mismatch/.test(output)) {
    return "the wrapper's go.sum does not match its go.mod; run `npx tsx tools/pulumi/build.ts --repin`";
  }
  if (/requires go >= |go\.mod requires go/.test(output)) {
    return "this Go is older than a pinned module needs; install the Go version named above";
  }
  return "see the build log";
}

export interface GoRun {
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

/** Runs go and resolves with what it printed; rejects with a GoError naming the failing line. */
export function runGo(run: GoRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("go", run.args, {
      cwd: run.cwd,
      env: { ...process.env, ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new GoError(
          error.code === "ENOENT" ? GO_MISSING : `could not run go: ${error.message}`,
          "",
        ),
      ),
    );
    child.once("close", (code, signal) => {
      if (code === 0) {
        resolve(output);
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new GoError(`go ${run.args[0]} ${how}: ${keyGoErrorLine(output)}`, output));
    });
  });
}
