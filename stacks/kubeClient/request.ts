/**
 * One GET to the API server with a context's TLS settings and credentials, through the
 * kubeconfig's proxy-url when it has one (an HTTP CONNECT tunnel). One connection per request,
 * so nothing is left open to keep the program running, and a time limit.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import { KubeClientError } from "./errors";
import type { ClusterAccess } from "./kubeconfig";

/** Who the request is made as: the kubeconfig's credentials, or those its exec plugin gave. */
export interface Credentials {
  readonly token?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export interface ApiResponse {
  readonly status: number;
  /** The parsed JSON body, or undefined when it is not JSON. */
  readonly body: unknown;
}

/** The server could not be reached, or its certificate was not trusted. */
export class ApiServerUnreachableError extends KubeClientError {}

const TIMEOUT_MS = 15_000;
/** A Namespace or a Status is a few kilobytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function getFromApiServer(
  access: ClusterAccess,
  credentials: Credentials,
  path: string,
  timeoutMs = TIMEOUT_MS,
): Promise<ApiResponse> {
  const base = new URL(access.server);
  // A server address may carry a path prefix (a proxy in front of the API server).
  const target = new URL(`${base.pathname.replace(/\/+$/, "")}${path}`, base);
  const tls: ConnectionOptions = {
    ...(access.caPem === undefined ? {} : { ca: access.caPem }),
    ...(credentials.clientCertPem === undefined ? {} : { cert: credentials.clientCertPem }),
    ...(credentials.clientKeyPem === undefined ? {} : { key: credentials.clientKeyPem }),
    ...(access.tlsServerName === undefined ? {} : { servername: access.tlsServerName }),
    rejectUnauthorized: !access.insecureSkipTlsVerify,
  };
  const headers: Record<string, string> = {
    Accept: "application/json",
    "User-Agent": "k8s-flux",
    ...authorization(credentials),
  };
  const secure = target.protocol === "https:";
  const tunnel =
    access.proxyUrl === undefined
      ? undefined
      : await openTunnel(access.proxyUrl, target, timeoutMs);
  const options: RequestOptions = {
    method: "GET",
    headers,
    timeout: timeoutMs,
    ...(secure ? tls : {}),
    // Without an agent, each request has a connection of its own, closed after the answer.
    ...(tunnel === undefined
      ? { agent: false }
      : { createConnection: () => (secure ? overTunnel(tunnel, tls, target) : tunnel) }),
  };
  return new Promise((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)(target, options, (incoming) =>
      readBody(incoming)
        .then(resolve, reject)
        // Nothing may stay open to keep the program running once it is done.
        .finally(() => {
          outgoing.destroy();
          tunnel?.destroy();
        }),
    );
    outgoing.on("timeout", () =>
      outgoing.destroy(new ApiServerUnreachableError(`no answer within ${timeoutMs / 1000} s`)),
    );
    outgoing.on("error", (error) => reject(unreachable(error)));
    outgoing.end();
  });
}

function authorization(credentials: Credentials): Record<string, string> {
  if (credentials.token !== undefined) return { Authorization: `Bearer ${credentials.token}` };
  if (credentials.basicAuth === undefined) return {};
  const { username, password } = credentials.basicAuth;
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
}

/** TLS over a tunnel, checking the name the server's certificate must carry as https would. */
function overTunnel(socket: Socket, tls: ConnectionOptions, target: URL): Socket {
  const host = target.hostname.replace(/^\[|\]$/g, "");
  // An IP address is never sent as the server name (RFC 6066); it is still checked.
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  return tlsConnect({ ...tls, socket, host, ...(servername === undefined ? {} : { servername }) });
}

/** A raw connection to the server's host and port, through an HTTP proxy's CONNECT. */
function openTunnel(proxyUrl: string, target: URL, timeoutMs: number): Promise<Socket> {
  const proxy = new URL(proxyUrl);
  if (proxy.protocol !== "http:") {
    return Promise.reject(
      new ApiServerUnreachableError(
        `proxy-url ${proxy.protocol}//${proxy.host} is not supported by this check; expected an http:// proxy`,
      ),
    );
  }
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  const authority = `${target.hostname}:${port}`;
  const proxyAuthorization =
    proxy.username === ""
      ? {}
      : {
          "Proxy-Authorization": `Basic ${Buffer.from(
            `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`,
          ).toString("base64")}`,
        };
  return new Promise((resolve, reject) => {
    const connect = httpRequest({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: proxy.port || "80",
      method: "CONNECT",
      path: authority,
      headers: { Host: authority, ...proxyAuthorization },
      agent: false,
      timeout: timeoutMs,
    });
    connect.on("connect", (answer: IncomingMessage, socket: Socket) => {
      if (answer.statusCode === 200) {
        resolve(socket);
        return;
      }
      socket.destroy();
      reject(
        new ApiServerUnreachableError(
          `the proxy ${proxy.host} refused to connect to ${authority}: ${answer.statusCode} ${answer.statusMessage ?? ""}`.trim(),
        ),
      );
    });
    connect.on("timeout", () =>
      connect.destroy(
        new ApiServerUnreachableError(`the proxy ${proxy.host} did not answer in time`),
      ),
    );
    connect.on("error", (error) => reject(unreachable(error, ` through the proxy ${proxy.host}`)));
    connect.end();
  });
}

function readBody(incoming: IncomingMessage): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        incoming.destroy(
          new ApiServerUnreachableError("the answer is too large to be the object asked for"),
        );
        return;
      }
      chunks.push(chunk);
    });
    incoming.on("error", (error) => reject(unreachable(error)));
    incoming.on("end", () =>
      resolve({
        status: incoming.statusCode ?? 0,
        body: parseJson(Buffer.concat(chunks).toString("utf8")),
      }),
    );
  });
}

/** A network or TLS failure as one line: its code (ECONNREFUSED, CERT_HAS_EXPIRED) and text. */
function unreachable(error: unknown, via = ""): ApiServerUnreachableError {
  if (error instanceof ApiServerUnreachableError) return error;
  const { code, message } = error as NodeJS.ErrnoException;
  const text = (message ?? String(error)).split("\n")[0] ?? "";
  const reason = code !== undefined && !text.includes(code) ? `${code}: ${text}` : text;
  return new ApiServerUnreachableError(`${reason}${via}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
