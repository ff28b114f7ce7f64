/**
 * Credentials from an exec plugin (`aws eks get-token`, `kubelogin`...), run the way client-go
 * runs one: the command with its args, the program's environment plus the plugin's variables,
 * KUBERNETES_EXEC_INFO describing the request, no terminal. It answers with an ExecCredential
 * of the same API version holding a token, or a client certificate and key.
 */
import { spawn } from "node:child_process";
import { isRecord } from "../isRecord";
import { quoted, visibleText } from "../quoting";
import { KubeClientError } from "./errors";
import type { ClusterAccess, ExecPlugin } from "./kubeconfig";

export interface ExecCredentials {
  readonly token?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
}

/** The plugin failed, or answered with something other than credentials. */
export class ExecCredentialError extends KubeClientError {}

/** Long enough for a plugin that calls its cloud's API (sts), short enough not to hang `pulumi up`. */
const TIMEOUT_MS = 60_000;
/** An ExecCredential is a few kilobytes; anything far larger is not one. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/** What the plugin learns of the request: never interactive; the cluster when it asks for it. */
export function execInfo(plugin: ExecPlugin, cluster: ClusterAccess): string {
  const clusterInfo = {
    server: cluster.server,
    ...(cluster.tlsServerName === undefined ? {} : { "tls-server-name": cluster.tlsServerName }),
    ...(cluster.insecureSkipTlsVerify ? { "insecure-skip-tls-verify": true } : {}),
    ...(cluster.caPem === undefined
      ? {}
      : { "certificate-authority-data": Buffer.from(cluster.caPem).toString("base64") }),
    ...(cluster.proxyUrl === undefined ? {} : { "proxy-url": cluster.proxyUrl }),
  };
  return JSON.stringify({
    apiVersion: plugin.apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, ...(plugin.provideClusterInfo ? { cluster: clusterInfo } : {}) },
  });
}

/** Runs the plugin once and returns the credentials it answered with. */
export async function runExecPlugin(
  plugin: ExecPlugin,
  cluster: ClusterAccess,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ExecCredentials> {
  const described = `the exec plugin ${quoted(plugin.command)} of context ${quoted(cluster.contextName)}`;
  const { code, stdout, stderr, failure } = await run(plugin, {
    ...env,
    ...Object.fromEntries(plugin.env.map(({ name, value }) => [name, value])),
    KUBERNETES_EXEC_INFO: execInfo(plugin, cluster),
  });
  if (failure !== undefined) {
    const hint =
      plugin.installHint === undefined ? "" : `; ${visibleText(plugin.installHint.trim(), "\n")}`;
    throw new ExecCredentialError(`${described} could not be run: ${visibleText(failure)}${hint}`);
  }
  if (code !== 0) {
    throw new ExecCredentialError(
      `${described} failed (exit ${code})${lastLine(stderr) === "" ? "" : `: ${visibleText(lastLine(stderr))}`}`,
    );
  }
  return parseExecCredential(stdout, plugin.apiVersion, described);
}

/** The credentials of a plugin's answer; anything else is an error naming what was wrong. */
export function parseExecCredential(
  output: string,
  apiVersion: string,
  described: string,
): ExecCredentials {
  let answer: unknown;
  try {
    answer = JSON.parse(output);
  } catch {
    throw new ExecCredentialError(`${described} did not answer with JSON`);
  }
  if (!isRecord(answer) || answer["kind"] !== "ExecCredential") {
    throw new ExecCredentialError(`${described} did not answer with an ExecCredential`);
  }
  if (answer["apiVersion"] !== apiVersion) {
    throw new ExecCredentialError(
      `${described} answered in API version ${quoted(answer["apiVersion"])}, but the kubeconfig asks for ${apiVersion}`,
    );
  }
  const status = isRecord(answer["status"]) ? answer["status"] : {};
  const token = nonEmptyText(status["token"]);
  const clientCertPem = nonEmptyText(status["clientCertificateData"]);
  const clientKeyPem = nonEmptyText(status["clientKeyData"]);
  if ((clientCertPem === undefined) !== (clientKeyPem === undefined)) {
    throw new ExecCredentialError(
      `${described} answered with a client certificate without its key, or a key without its certificate`,
    );
  }
  if (token === undefined && clientCertPem === undefined) {
    throw new ExecCredentialError(
      `${described} answered with neither a token nor a client certificate`,
    );
  }
  return {
    ...(token === undefined ? {} : { token }),
    ...(clientCertPem === undefined ? {} : { clientCertPem }),
    ...(clientKeyPem === undefined ? {} : { clientKeyPem }),
  };
}

interface PluginRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Why the command did not run to its end: not found, timed out, too much output. */
  readonly failure?: string;
}

function run(plugin: ExecPlugin, env: Record<string, string | undefined>): Promise<PluginRun> {
  return new Promise((resolve) => {
    const child = spawn(plugin.command, [...plugin.args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: TIMEOUT_MS,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        failure ??= `it wrote more than ${MAX_OUTPUT_BYTES} bytes`;
        child.kill("SIGKILL");
        return;
      }
      into.push(chunk);
    };
    child.stdout.on("data", collect(stdout));
    child.stderr.on("data", collect(stderr));
    child.on("error", (error: NodeJS.ErrnoException) => {
      failure ??= error.code === "ENOENT" ? "command not found" : error.message;
    });
    child.on("close", (code, signal) => {
      if (signal !== null)
        failure ??= `it was stopped by ${signal} (time limit ${TIMEOUT_MS / 1000} s)`;
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        ...(failure === undefined ? {} : { failure }),
      });
    });
  });
}

const nonEmptyText = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** A plugin's last line of complaint, short enough for one message line. */
function lastLine(text: string): string {
  const line = text.trim().split("\n").at(-1)?.trim() ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
