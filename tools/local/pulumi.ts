/** Runs the locally built `pulumi` with no network, in a project copy, against one backend. */
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { pulumiEnvironment } from "../pulumi/environment";

export interface PulumiResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface PulumiContext {
  /** The project copy the command runs in. */
  readonly cwd: string;
  /** The file backend's directory. */
  readonly backendDir: string;
  /** Echo the command's output as it runs. */
  readonly echo?: boolean;
  readonly extraEnv?: Record<string, string>;
}

export function runPulumi(args: readonly string[], context: PulumiContext): Promise<PulumiResult> {
  mkdirSync(context.backendDir, { recursive: true });
  const env = {
    ...process.env,
    ...pulumiEnvironment(),
    PULUMI_BACKEND_URL: pathToFileURL(context.backendDir).href,
    ...context.extraEnv,
  };
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: context.cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (context.echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (context.echo) process.stderr.write(chunk);
    });
    child.on("error", (error) =>
      reject(
        new Error(
          `could not run pulumi (${error.message}); build it with \`npx tsx tools/pulumi/build.ts\``,
        ),
      ),
    );
    child.on("close", (code) =>
      resolve({
        code: code ?? 1,
        stdout,
        stderr,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      }),
    );
  });
}

/** Fails with the command's own last lines when it did not succeed. */
export async function pulumiOk(
  args: readonly string[],
  context: PulumiContext,
): Promise<PulumiResult> {
  const result = await runPulumi(args, context);
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-25).join("\n");
    throw new Error(`pulumi ${args.join(" ")} failed (exit ${result.code}):\n${tail}`);
  }
  return result;
}
