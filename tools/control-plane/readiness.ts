/**
 * Waiting for the control plane to serve: HTTP(S) probes with our CA and client certificate,
 * polled until they pass, a deadline passes, or the process being waited for exits.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface TlsIdentity {
  caPem: string;
  certPem?: string;
  keyPem?: string;
}

export interface Response {
  status: number;
  body: string;
}

export function get(url: string, tls?: TlsIdentity, timeoutMs = 5_000): Promise<Response> {
  return new Promise((resolve, reject) => {
    const options = tls ? { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem } : {};
    const request = (url.startsWith("https:") ? httpsRequest : httpRequest)(
      url,
      { ...options, method: "GET", timeout: timeoutMs, agent: false },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer from ${url}`)));
    request.on("error", reject);
    request.end();
  });
}

export class NotReadyError extends Error {
  override name = "NotReadyError";
}

export class ExitedError extends Error {
  override name = "ExitedError";
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super("exited");
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What a probe found: true when ready, otherwise why not. */
export type ProbeResult = true | string;

export function expectStatus(response: Response, what: string): ProbeResult {
  if (response.status === 200) return true;
  const body = response.body.replace(/\s+/g, " ").trim().slice(0, 200);
  return `${what} answered ${response.status}${body ? `: ${body}` : ""}`;
}

/**
 * Polls `probe` until it returns true. Throws NotReadyError (with the last probe's failure) at
 * the deadline, or ExitedError as soon as `exited` settles.
 */
export async function waitFor(
  probe: () => Promise<ProbeResult>,
  options: {
    deadline: number;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  },
): Promise<void> {
  const seen: { exit?: { code: number | null; signal: NodeJS.Signals | null } } = {};
  void options.exited.then((exit) => (seen.exit = exit));
  for (;;) {
    let failure: string;
    try {
      const result = await probe();
      if (result === true) return;
      failure = result;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (seen.exit) throw new ExitedError(seen.exit.code, seen.exit.signal);
    if (Date.now() >= options.deadline) throw new NotReadyError(failure);
    await sleep(250);
  }
}
