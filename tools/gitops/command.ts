/**
 * Runs a program to completion and collects what it printed. Arguments go to the program as they
 * are, never through a shell.
 */
import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  /** The whole environment of the program (not merged with this process's). */
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Stops the program (SIGTERM) when aborted, e.g. on this process's own interrupt. */
  signal?: AbortSignal;
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
    // A program that exits without reading its input closes the pipe; that is not our failure.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Runs the program and returns its stdout; throws `describe(result)` unless it exits 0. */
export async function runCommandOk(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    const output = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-5).join("\n");
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
    throw new Error(`${command} ${args.join(" ")} ${how}${output ? `: ${output}` : ""}`);
  }
  return result.stdout;
}
