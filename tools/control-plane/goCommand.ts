/**
 * Running the machine's `go` for the build, and turning its failures into one line: which step
 * failed, the exact go error that matters, and what to do.
 */
import { spawn } from "node:child_process";

export class GoCommandError extends Error {
  override name = "GoCommandError";
  constructor(
    message: string,
    /** Everything go printed, for the build log. */
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

/** The line of go's output that names the failure, e.g. a proxy's 404 or a compile error. */
export function keyGoErrorLine(output: string): string {
  const jsonError = errorOfJsonOutput(output);
  if (jsonError) return jsonError;
  const lines = output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !/^go: (?:downloading|finding|extracting) /.test(line));
  const fetchFailure = lines.find((line) =>
    /(?:reading https?:\/\/|40[34] [A-Za-z ]+|410 Gone|verifying .*: checksum mismatch|dial tcp|unknown revision|invalid version|not found:)/.test(
      line,
    ),
  );
  if (fetchFailure) return fetchFailure;
  const goError = lines.find((line) => /^go: /.test(line) || /\.go:\d+:\d+: /.test(line));
  return goError ?? lines[lines.length - 1] ?? "(go printed nothing)";
}

/** What to do about a failed go step, judged from its output. */
export function adviceFor(output: string): string {
  if (/dial tcp|i\/o timeout|connection refused|no such host|TLS handshake/.test(output)) {
    return "the Go module proxy could not be reached; check network access to GOPROXY (https://proxy.golang.org)";
  }
  if (
    /reading https?:\/\/|40[34] [A-Za-z ]+|410 Gone|not found:|unknown revision|invalid version/.test(
      output,
    )
  ) {
    return "the Go module proxy did not serve a module the build needs; check the pin in components/versions.ts and that GOPROXY (https://proxy.golang.org) is reachable";
  }
  if (/checksum mismatch|SECURITY ERROR/.test(output)) {
    return "a module did not match go.sum; do not edit go.sum by hand, run `npm run cluster:build -- --repin`";
  }
  if (/requires go >= |toolchain not available|go\.mod requires go/.test(output)) {
    return "this Go is too old for the pinned release; install the Go version named above";
  }
  if (/missing go\.sum entry|updates to go\.mod needed/.test(output)) {
    return "the wrapper's go.sum is out of date; run `npm run cluster:build -- --repin`";
  }
  return "see the full output in the build log";
}

export interface GoRun {
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs go, resolving with its output; rejects with GoCommandError (or GO_MISSING) on failure. */
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
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new GoCommandError(GO_MISSING, "")
          : new GoCommandError(`could not run go: ${error.message}`, ""),
      );
    });
    child.once("close", (code, signal) => {
      if (code === 0) resolve(output);
      else {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const step = run.args.slice(0, run.args[0] === "mod" ? 2 : 1).join(" ");
        reject(new GoCommandError(`go ${step} ${how}: ${keyGoErrorLine(output)}`, output));
      }
    });
  });
}

/**
 * -X flags that stamp the release into the binaries, as Kubernetes' own build does, so
 * /version reports it and feature gates know their version.
 */
export function kubernetesVersionLdflags(version: string, buildDate: string): string[] {
  const match = /^v(\d+)\.(\d+)\.\d+$/.exec(version);
  if (!match)
    throw new Error(`Kubernetes version ${version} is not of the form v1.<minor>.<patch>`);
  const values: Record<string, string> = {
    gitVersion: version,
    gitMajor: match[1] as string,
    gitMinor: match[2] as string,
    // The module proxy carries no commit; empty beats the "$Format:%H$" placeholder.
    gitCommit: "",
    gitTreeState: "clean",
    buildDate,
  };
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) =>
    Object.entries(values).map(([name, value]) => `-X ${pkg}.${name}=${value}`),
  );
}

/**
 * One binary per build, named explicitly: go names a binary after its package path, which for
 * go.etcd.io/etcd/server/v3 would be "server".
 */
export function goBuildArgs(input: { output: string; pkg: string; ldflags: string[] }): string[] {
  return [
    "build",
    // Only the committed go.sum decides what is built; a drift is an error, not an edit.
    "-mod=readonly",
    "-trimpath",
    "-buildvcs=false",
    "-ldflags",
    ["-s", "-w", ...input.ldflags].join(" "),
    "-o",
    input.output,
    input.pkg,
  ];
}
