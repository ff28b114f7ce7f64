/**
 * One HTTP(S) request to a server of the control plane: our CA, optionally a client
 * certificate, one connection per request (nothing stays open to keep a process alive) and a
 * timeout. The Kubernetes client and the control plane's readiness probes both send through it.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

/** Whom to trust, and who we are when the server asks for a client certificate. */
export interface TlsIdentity {
  readonly caPem: string;
  readonly certPem?: string;
  readonly keyPem?: string;
}

export interface HttpRequest {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string;
  readonly tls?: TlsIdentity;
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  /** The body as text. */
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function send(url: string | URL, request: HttpRequest = {}): Promise<HttpResponse> {
  const method = request.method ?? "GET";
  const target = new URL(url);
  const tls = request.tls
    ? { ca: request.tls.caPem, cert: request.tls.certPem, key: request.tls.keyPem }
    : {};
  const headers = { ...request.headers };
  if (request.body !== undefined) {
    headers["Content-Length"] = String(Buffer.byteLength(request.body));
  }
  return new Promise((resolve, reject) => {
    const outgoing = (target.protocol === "https:" ? httpsRequest : httpRequest)(
      target,
      {
        ...tls,
        method,
        headers,
        agent: false,
        timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: incoming.headers,
          }),
        );
      },
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(new Error(`${method} ${target.href}: no answer in time`)),
    );
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}

/** A GET with a short timeout, as readiness probes send it. */
export function get(url: string, tls?: TlsIdentity, timeoutMs = 5_000): Promise<HttpResponse> {
  return send(url, { ...(tls ? { tls } : {}), timeoutMs });
}
