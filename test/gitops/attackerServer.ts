/**
 * A web server a hostile tenant controls, on loopback, so that a remote base is reachable here
 * without the internet and only the tenant lockdown can stop it: it serves git repositories over
 * smart HTTP (git http-backend, as a git host does), plain files, and for any other page a web
 * page, as github.com answers a browser for `https://github.com/org/repo//path?ref=main`.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join, normalize } from "node:path";

export interface AttackerServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Connections and git processes served, for the test's record. */
  readonly requests: string[];
  stop(): Promise<void>;
}

const WEB_PAGE = "<!DOCTYPE html><html><body>a repository's web page</body></html>\n";

/** git http-backend as CGI: the request in its environment and stdin, headers then body out. */
function serveGit(
  projectRoot: string,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): void {
  const backend = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      REQUEST_METHOD: request.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      CONTENT_TYPE: request.headers["content-type"] ?? "",
      REMOTE_ADDR: request.socket.remoteAddress ?? "",
      ...(request.headers["content-encoding"]
        ? { HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"]) }
        : {}),
      ...(request.headers["git-protocol"]
        ? { GIT_PROTOCOL: String(request.headers["git-protocol"]) }
        : {}),
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  request.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on("data", (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    headersSent = true;
    response.write(head.subarray(end + 4));
  });
  backend.on("close", () => {
    if (!headersSent) response.writeHead(502);
    response.end();
  });
}

/**
 * Serves `<gitRoot>/<name>.git` repositories and the files of `filesDir` under `/files/`.
 * Listens on a free loopback port.
 */
export async function startAttackerServer(options: {
  gitRoot: string;
  filesDir: string;
}): Promise<AttackerServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://attacker.invalid");
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (/\.git\/(info\/refs|git-upload-pack|HEAD|objects\/)/.test(url.pathname)) {
      serveGit(options.gitRoot, request, response, url);
      return;
    }
    if (url.pathname.startsWith("/files/")) {
      const name = normalize(url.pathname.slice("/files/".length));
      if (name.startsWith("..") || name.includes("/")) {
        response.writeHead(404).end();
        return;
      }
      try {
        const body = readFileSync(join(options.filesDir, name));
        response.writeHead(200, { "Content-Type": "application/yaml" }).end(body);
      } catch {
        response.writeHead(404).end();
      }
      return;
    }
    response.writeHead(200, { "Content-Type": "text/html" }).end(WEB_PAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
