/**
 * The cluster client the namespace check uses: the kubeconfig read as the Kubernetes provider
 * reads it, and real requests to a real HTTPS server on loopback (certificates from the control
 * plane's PKI code) with each kind of credential, exec plugins included (a node script).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect as netConnect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import type { Duplex } from "node:stream";
import { delimiter, join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { readNamespaces } from "../stacks/clusterNamespaces";
import type { KubeconfigSource } from "../stacks/kubeClient";
import { resolveClusterAccess } from "../stacks/kubeClient/kubeconfig";
import { createPki, type PkiFiles, readPem } from "../tools/control-plane/pki";
import { thrownMessage } from "./harness";

/** Credentials the test server accepts, besides the admin client certificate. */
const TOKEN = "kubeconfig-test-token";
const PLUGIN_TOKEN = "token-from-the-exec-plugin";
const BASIC = { username: "operator", password: "not-a-real-password" };

const LEGACY_LABELS = { team: "payments", "kubernetes.io/metadata.name": "payments-legacy" };

let dir: string;
let pki: PkiFiles;
let otherPki: PkiFiles;
let server: ReturnType<typeof createHttpsServer>;
let serverUrl: string;
let proxy: ReturnType<typeof createHttpServer>;
let proxyUrl: string;
/** The authorities the proxy was asked to CONNECT to. */
const tunnels: string[] = [];
/** The proxy's client connections, which a server's closeAllConnections does not track. */
const proxySockets: Duplex[] = [];
/** Who each request the server answered came from: `cert:<CN>`, `token:<token>`, `basic:<user>`. */
const callers: string[] = [];

const base64 = (text: string): string => Buffer.from(text).toString("base64");

function callerOf(request: IncomingMessage): string | undefined {
  const socket = request.socket as TLSSocket;
  const authorization = request.headers.authorization ?? "";
  if (authorization.startsWith("Bearer ")) {
    const token = authorization.slice("Bearer ".length);
    return [TOKEN, PLUGIN_TOKEN].includes(token) ? `token:${token}` : undefined;
  }
  if (authorization.startsWith("Basic ")) {
    const [user, password] = Buffer.from(authorization.slice(6), "base64").toString().split(":");
    return user === BASIC.username && password === BASIC.password ? `basic:${user}` : undefined;
  }
  return socket.authorized ? `cert:${socket.getPeerCertificate().subject.CN}` : undefined;
}

const status = (code: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message,
  reason,
  code,
});

/** Answers namespace GETs as an API server would, under an optional path prefix. */
function answer(request: IncomingMessage, response: ServerResponse): void {
  const send = (code: number, body: unknown) => {
    response.writeHead(code, { "Content-Type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const path = (request.url ?? "").replace(/^\/rancher\/k8s\/clusters\/c-1/, "");
  if (path.startsWith("/not-kubernetes/")) {
    response.writeHead(404, { "Content-Type": "text/html" });
    response.end("<html>Not Found</html>");
    return;
  }
  const caller = callerOf(request);
  if (caller === undefined) {
    send(401, status(401, "Unauthorized", "Unauthorized"));
    return;
  }
  callers.push(caller);
  const name = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path)?.[1];
  if (name === "forbidden-ns") {
    send(
      403,
      status(403, "Forbidden", `namespaces "${name}" is forbidden: User cannot get resource`),
    );
  } else if (name === "payments-legacy") {
    send(200, { kind: "Namespace", apiVersion: "v1", metadata: { name, labels: LEGACY_LABELS } });
  } else {
    send(404, status(404, "NotFound", `namespaces "${name}" not found`));
  }
}

const listen = (target: { listen(port: number, host: string, done: () => void): unknown }) =>
  new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "k8s-flux-kubeconfig-"));
  [pki, otherPki] = await Promise.all([
    createPki(join(dir, "pki")),
    createPki(join(dir, "other-pki")),
  ]);
  server = createHttpsServer(
    {
      cert: readPem(pki.cert("apiserver")),
      key: readPem(pki.key("apiserver")),
      ca: readPem(pki.caCert),
      requestCert: true,
      rejectUnauthorized: false,
    },
    answer,
  );
  await listen(server);
  serverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  proxy = createHttpServer();
  proxy.on("connect", (request: IncomingMessage, client, head: Buffer) => {
    const authority = request.url ?? "";
    tunnels.push(authority);
    proxySockets.push(client);
    const [host, port] = authority.split(":");
    const upstream = netConnect(Number(port), host ?? "", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await listen(proxy);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  for (const socket of proxySockets) socket.destroy();
  for (const running of [server, proxy]) {
    running?.closeAllConnections();
    await new Promise((resolve) => running?.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Entries {
  readonly cluster?: Record<string, unknown>;
  readonly user?: Record<string, unknown>;
}

/** A kubeconfig with one context `test` (current) for the cluster and user given. */
function kubeconfigText({ cluster, user }: Entries): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "test-cluster",
        cluster: {
          server: serverUrl,
          "certificate-authority-data": base64(readPem(pki.caCert)),
          ...cluster,
        },
      },
    ],
    users: [{ name: "test-user", user: user ?? {} }],
    contexts: [{ name: "test", context: { cluster: "test-cluster", user: "test-user" } }],
    "current-context": "test",
  });
}

const ADMIN_CERT = (): Record<string, unknown> => ({
  "client-certificate-data": base64(readPem(pki.cert("admin"))),
  "client-key-data": base64(readPem(pki.key("admin"))),
});

/** A source whose kubernetes:kubeconfig is the kubeconfig itself; no file, no environment. */
function inline(entries: Entries, extra: Partial<KubeconfigSource> = {}): KubeconfigSource {
  return {
    kubeconfig: kubeconfigText(entries),
    env: {},
    homeDir: join(dir, "home"),
    cwd: dir,
    ...extra,
  };
}

/** Writes a file under the test's directory and returns its path. */
function file(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, text, { mode: 0o700 });
  return full;
}

/** A node script answering as an exec credential plugin; what it was given goes to `record`. */
function plugin(name: string): { path: string; record: string } {
  const record = join(dir, `${name}.record.json`);
  const path = file(
    `plugins/${name}`,
    `#!${process.execPath}
const fs = require("node:fs");
const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ info, args: process.argv.slice(2) }));
const mode = process.argv[2];
const reply = (status, apiVersion = info.apiVersion) =>
  console.log(JSON.stringify({ apiVersion, kind: "ExecCredential", status }));
if (mode === "token") reply({ token: process.env.PLUGIN_TOKEN });
if (mode === "certificate") reply({
  clientCertificateData: fs.readFileSync(process.env.CERT_FILE, "utf8"),
  clientKeyData: fs.readFileSync(process.env.KEY_FILE, "utf8"),
});
if (mode === "older-version") reply({ token: "x" }, "client.authentication.k8s.io/v1alpha1");
if (mode === "nothing") reply({});
if (mode === "fail") {
  console.error("loading credentials");
  console.error("error: no credentials found for profile acme-prod");
  process.exit(3);
}
`,
  );
  return { path, record };
}

const execUser = (command: string, args: string[], extra: Record<string, unknown> = {}) => ({
  exec: {
    apiVersion: "client.authentication.k8s.io/v1",
    command,
    args,
    interactiveMode: "Never",
    ...extra,
  },
});

/** Asks for the namespaces of an application called payments-legacy. */
const ASKED = ["payments-legacy", "payments-legacy-flux"];

async function existing(source: KubeconfigSource) {
  const found = await readNamespaces(ASKED, source);
  if (!found.answered) throw new Error(`no answer: ${found.reason}`);
  return found.existing;
}

async function reason(source: KubeconfigSource, names = ASKED): Promise<string> {
  const found = await readNamespaces(names, source);
  if (found.answered) throw new Error("the cluster answered");
  return found.reason;
}

const FOUND = [{ name: "payments-legacy", labels: LEGACY_LABELS }];

describe("which kubeconfig, context, cluster and user are used", () => {
  const config = (
    contexts: Record<string, string>,
    current?: string,
    servers: Record<string, string> = {},
  ) =>
    stringify({
      clusters: Object.entries(servers).map(([name, server]) => ({ name, cluster: { server } })),
      users: [],
      contexts: Object.entries(contexts).map(([name, cluster]) => ({ name, context: { cluster } })),
      ...(current === undefined ? {} : { "current-context": current }),
    });
  const source = (extra: Partial<KubeconfigSource>): KubeconfigSource => ({
    env: {},
    homeDir: join(dir, "merge-home"),
    cwd: join(dir, "merge-cwd"),
    ...extra,
  });

  it("merges KUBECONFIG's files as kubectl does: the first to name an entry or a current context wins", () => {
    const first = file(
      "merge/first",
      config({ main: "a" }, "main", { a: "https://a.example:6443" }),
    );
    const second = file(
      "merge/second",
      config({ main: "b", other: "b" }, "other", {
        a: "https://ignored.example",
        b: "https://b.example",
      }),
    );
    const missing = join(dir, "merge", "absent");
    const env = { KUBECONFIG: [missing, first, "", second].join(delimiter) };
    const chosen = resolveClusterAccess(source({ env }));
    expect([chosen.contextName, chosen.server]).toEqual(["main", "https://a.example:6443"]);
    expect(chosen.origin).toBe(`KUBECONFIG (${first}${delimiter}${second})`);
    const other = resolveClusterAccess(source({ env, context: "other" }));
    expect([other.contextName, other.server]).toEqual(["other", "https://b.example"]);
    const overridden = resolveClusterAccess(source({ env, context: "other", cluster: "a" }));
    expect(overridden.server).toBe("https://a.example:6443");
  });

  it("reads ~/.kube/config when KUBECONFIG is not set, and kubernetes:kubeconfig before either", () => {
    const home = join(dir, "home-default");
    file("home-default/.kube/config", config({ home: "h" }, "home", { h: "https://home.example" }));
    const listed = file(
      "listed/config",
      config({ listed: "l" }, "listed", { l: "https://listed.example" }),
    );
    file(
      "project/stack.kubeconfig",
      config({ stack: "s" }, "stack", { s: "https://stack.example" }),
    );
    const at = { homeDir: home, cwd: join(dir, "project") };
    expect(resolveClusterAccess(source(at)).server).toBe("https://home.example");
    expect(resolveClusterAccess(source({ ...at, env: { KUBECONFIG: listed } })).server).toBe(
      "https://listed.example",
    );
    // A path relative to the project, as the provider reads it, and `~/` expanded.
    for (const kubeconfig of ["stack.kubeconfig", "~/.kube/config"]) {
      const chosen = resolveClusterAccess(
        source({ ...at, kubeconfig, env: { KUBECONFIG: listed } }),
      );
      expect(chosen.server).toBe(
        kubeconfig === "stack.kubeconfig" ? "https://stack.example" : "https://home.example",
      );
    }
    // Not a file: the setting is the kubeconfig itself.
    const text = config({ inline: "i" }, "inline", { i: "https://inline.example" });
    const chosen = resolveClusterAccess(source({ ...at, kubeconfig: text }));
    expect([chosen.server, chosen.origin]).toEqual([
      "https://inline.example",
      "the kubeconfig in kubernetes:kubeconfig",
    ]);
  });

  it("reads certificate and token files relative to their kubeconfig, or to the project for kubernetes:kubeconfig", () => {
    const entries = {
      clusters: [
        {
          name: "c",
          cluster: { server: "https://files.example", "certificate-authority": "ca.pem" },
        },
      ],
      users: [
        {
          name: "u",
          user: {
            "client-certificate": "certs/admin.pem",
            "client-key": "certs/admin.key",
            tokenFile: "token",
          },
        },
      ],
      contexts: [{ name: "files", context: { cluster: "c", user: "u" } }],
      "current-context": "files",
    };
    for (const base of ["from-file", "from-setting"]) {
      file(`${base}/ca.pem`, `CA of ${base}\n`);
      file(`${base}/certs/admin.pem`, `certificate of ${base}\n`);
      file(`${base}/certs/admin.key`, `key of ${base}\n`);
      file(`${base}/token`, `token-of-${base}\n`);
    }
    const kubeconfig = file("from-file/kubeconfig", stringify(entries));
    const fromFile = resolveClusterAccess(source({ env: { KUBECONFIG: kubeconfig } }));
    const fromSetting = resolveClusterAccess(
      source({ kubeconfig: stringify(entries), cwd: join(dir, "from-setting") }),
    );
    for (const [access, base] of [
      [fromFile, "from-file"],
      [fromSetting, "from-setting"],
    ] as const) {
      expect([access.caPem, access.clientCertPem, access.clientKeyPem, access.token]).toEqual([
        `CA of ${base}\n`,
        `certificate of ${base}\n`,
        `key of ${base}\n`,
        `token-of-${base}`,
      ]);
    }
  });

  it("says what is missing: the context, the cluster, the server, the kubeconfig itself", async () => {
    const two = config({ one: "c", two: "gone" }, "three", { c: "" });
    expect(await thrownMessage(() => resolveClusterAccess(source({ kubeconfig: two })))).toBe(
      'context "three" is not in the kubeconfig in kubernetes:kubeconfig; its contexts are "one", "two"',
    );
    expect(
      await thrownMessage(() => resolveClusterAccess(source({ kubeconfig: two, context: "two" }))),
    ).toBe(
      'context "two" names cluster "gone", which is not in the kubeconfig in kubernetes:kubeconfig; its clusters are "c"',
    );
    expect(
      await thrownMessage(() => resolveClusterAccess(source({ kubeconfig: two, context: "one" }))),
    ).toBe('cluster "c" in the kubeconfig in kubernetes:kubeconfig has no server address');
    expect(
      await thrownMessage(() => resolveClusterAccess(source({ kubeconfig: config({ one: "c" }) }))),
    ).toBe(
      "the kubeconfig in kubernetes:kubeconfig has no current-context, and kubernetes:context is not set; expected one of them to name a context",
    );
    expect(
      await thrownMessage(() => resolveClusterAccess(source({ kubeconfig: "clusters: [" }))),
    ).toMatch(/^the kubeconfig in kubernetes:kubeconfig is not a readable kubeconfig: /);
    expect(
      await thrownMessage(() =>
        resolveClusterAccess(source({ env: { KUBECONFIG: join(dir, "none") } })),
      ),
    ).toBe(
      "no kubeconfig found: kubernetes:kubeconfig is not set, and neither any file KUBECONFIG lists exists; expected the kubeconfig of the cluster this stack deploys to",
    );
  });

  it("shows invisible characters in the names it quotes escaped", async () => {
    // A zero-width space makes two names look alike; a right-to-left override reorders the line.
    const lookalike = config({ "prod\u200B": "c\u202E" }, "prod", { c: "" });
    expect(await thrownMessage(() => resolveClusterAccess(source({ kubeconfig: lookalike })))).toBe(
      'context "prod" is not in the kubeconfig in kubernetes:kubeconfig; its contexts are "prod\\u200B"',
    );
    expect(
      await thrownMessage(() =>
        resolveClusterAccess(source({ kubeconfig: lookalike, context: "prod\u200B" })),
      ),
    ).toBe(
      'context "prod\\u200B" names cluster "c\\u202E", which is not in the kubeconfig in kubernetes:kubeconfig; its clusters are "c"',
    );
  });

  it("refuses what it cannot authenticate with rather than asking anonymously", async () => {
    const withUser = (user: Record<string, unknown>) =>
      source({ kubeconfig: kubeconfigText({ user }) });
    expect(
      await thrownMessage(() =>
        resolveClusterAccess(withUser({ "auth-provider": { name: "oidc", config: {} } })),
      ),
    ).toBe(
      'user "test-user" authenticates with auth-provider "oidc", which this check does not support (kubectl has replaced auth providers with exec plugins); expected an exec plugin, a token or a client certificate',
    );
    expect(
      await thrownMessage(() =>
        resolveClusterAccess(
          withUser({ exec: { apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x" } }),
        ),
      ),
    ).toBe(
      'user "test-user": its exec plugin\'s apiVersion "client.authentication.k8s.io/v1alpha1" is not supported; expected one of client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1',
    );
  });
});

describe("asking the API server which namespaces exist", () => {
  it("with a client certificate: 200 is an existing namespace with its labels, NotFound an absent one", async () => {
    callers.length = 0;
    expect(await existing(inline({ user: ADMIN_CERT() }))).toEqual(FOUND);
    expect(callers).toEqual(["cert:kubernetes-admin", "cert:kubernetes-admin"]);
  });

  it("with a bearer token, a token file, or a user name and password", async () => {
    const tokenFile = file("token-file", `${TOKEN}\n`);
    for (const user of [{ token: TOKEN }, { tokenFile }, BASIC]) {
      callers.length = 0;
      expect(await existing(inline({ user }))).toEqual(FOUND);
      expect(callers[0]).toBe("username" in user ? `basic:${BASIC.username}` : `token:${TOKEN}`);
    }
  });

  it("with the token of a v1 exec plugin, run with its args and env and told the cluster", async () => {
    const { path, record } = plugin("token-plugin");
    callers.length = 0;
    const user = execUser(path, ["token", "--cluster", "prod"], {
      env: [{ name: "PLUGIN_TOKEN", value: PLUGIN_TOKEN }],
      provideClusterInfo: true,
    });
    expect(await existing(inline({ user }))).toEqual(FOUND);
    expect(callers).toEqual([`token:${PLUGIN_TOKEN}`, `token:${PLUGIN_TOKEN}`]);
    const seen = JSON.parse(readFileSync(record, "utf8")) as { info: unknown; args: string[] };
    expect(seen.args).toEqual(["token", "--cluster", "prod"]);
    expect(seen.info).toEqual({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      spec: {
        interactive: false,
        cluster: { server: serverUrl, "certificate-authority-data": base64(readPem(pki.caCert)) },
      },
    });
  });

  it("with the client certificate of a v1beta1 exec plugin, found relative to its kubeconfig", async () => {
    const { record } = plugin("certificate-plugin");
    const kubeconfig = file(
      "exec-home/kubeconfig",
      kubeconfigText({
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "../plugins/certificate-plugin",
            args: ["certificate"],
            env: [
              { name: "CERT_FILE", value: pki.cert("admin") },
              { name: "KEY_FILE", value: pki.key("admin") },
            ],
          },
        },
      }),
    );
    callers.length = 0;
    const found = await existing({
      env: { KUBECONFIG: kubeconfig, PATH: "" },
      homeDir: dir,
      cwd: tmpdir(),
    });
    expect(found).toEqual(FOUND);
    expect(callers).toEqual(["cert:kubernetes-admin", "cert:kubernetes-admin"]);
    const seen = JSON.parse(readFileSync(record, "utf8")) as { info: unknown };
    // Without provideClusterInfo the plugin is told nothing of the cluster.
    expect(seen.info).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      kind: "ExecCredential",
      spec: { interactive: false },
    });
  });

  it("says why an exec plugin gave no credentials, without a stack trace", async () => {
    const { path } = plugin("failing-plugin");
    const described = `the exec plugin ${JSON.stringify(path)} of context "test"`;
    expect(await reason(inline({ user: execUser(path, ["fail"]) }))).toBe(
      `${described} failed (exit 3): error: no credentials found for profile acme-prod`,
    );
    expect(await reason(inline({ user: execUser(path, ["older-version"]) }))).toBe(
      `${described} answered in API version "client.authentication.k8s.io/v1alpha1", but the kubeconfig asks for client.authentication.k8s.io/v1`,
    );
    expect(await reason(inline({ user: execUser(path, ["nothing"]) }))).toBe(
      `${described} answered with neither a token nor a client certificate`,
    );
    const missing = execUser("aws-iam-authenticator-not-installed", ["token"], {
      installHint: "Install aws-iam-authenticator: https://example.test/install",
    });
    expect(
      await reason(inline({ user: missing }, { env: { PATH: join(dir, "empty-path") } })),
    ).toBe(
      `the exec plugin "aws-iam-authenticator-not-installed" of context "test" could not be run: command not found; Install aws-iam-authenticator: https://example.test/install`,
    );
    // A hint keeps its lines, and shows a character that would reorder the text around it.
    const hidden = execUser("aws-iam-authenticator-not-installed", ["token"], {
      installHint: "Install it:\n  brew install \u202Eevil",
    });
    expect(await reason(inline({ user: hidden }, { env: { PATH: join(dir, "empty-path") } }))).toBe(
      `the exec plugin "aws-iam-authenticator-not-installed" of context "test" could not be run: command not found; Install it:\n  brew install \\u202Eevil`,
    );
  });

  it("trusts only the kubeconfig's CA, unless told to skip verification", async () => {
    const otherCa = { "certificate-authority-data": base64(readPem(otherPki.caCert)) };
    const refused = await reason(inline({ cluster: otherCa, user: { token: TOKEN } }));
    expect(refused).toMatch(
      new RegExp(
        `^context "test" \\(server ${serverUrl.replaceAll(".", "\\.")}, from the kubeconfig in kubernetes:kubeconfig\\) cannot be reached: .*certificate`,
      ),
    );
    const skipping = { "certificate-authority-data": undefined, "insecure-skip-tls-verify": true };
    expect(await existing(inline({ cluster: skipping, user: { token: TOKEN } }))).toEqual(FOUND);
  });

  it("checks the server's certificate against tls-server-name when it is set", async () => {
    const user = { token: TOKEN };
    expect(
      await existing(inline({ cluster: { "tls-server-name": "kubernetes.default.svc" }, user })),
    ).toEqual(FOUND);
    expect(
      await reason(inline({ cluster: { "tls-server-name": "wrong.example.test" }, user })),
    ).toMatch(/cannot be reached: ERR_TLS_CERT_ALTNAME_INVALID: .*wrong\.example\.test/);
  });

  it("goes through the cluster's proxy-url, and keeps the server's path prefix", async () => {
    tunnels.length = 0;
    const cluster = { "proxy-url": proxyUrl, server: `${serverUrl}/rancher/k8s/clusters/c-1` };
    expect(await existing(inline({ cluster, user: { token: TOKEN } }))).toEqual(FOUND);
    expect(tunnels).toEqual([
      serverUrl.slice("https://".length),
      serverUrl.slice("https://".length),
    ]);
  });

  it("treats every answer but the object or the API server's NotFound as no answer", async () => {
    const user = { token: TOKEN };
    expect(await reason(inline({ user: {} }))).toMatch(
      /answered 401 when asked for namespace "payments-legacy": Unauthorized; the server did not accept the context's credentials$/,
    );
    expect(await reason(inline({ user }), ["forbidden-ns"])).toMatch(
      /answered 403 when asked for namespace "forbidden-ns": namespaces "forbidden-ns" is forbidden: User cannot get resource; the context's user may not get namespaces$/,
    );
    const notKubernetes = { server: `${serverUrl}/not-kubernetes` };
    expect(await reason(inline({ cluster: notKubernetes, user }))).toMatch(
      /answered 404 when asked for namespace "payments-legacy"; the server did not answer as a Kubernetes API server would$/,
    );
  });

  it("names the context and server it could not reach", async () => {
    const closed = createNetServer();
    await listen(closed);
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = `https://127.0.0.1:${port}`;
    expect(await reason(inline({ cluster: { server: unreachable }, user: { token: TOKEN } }))).toBe(
      `context "test" (server ${unreachable}, from the kubeconfig in kubernetes:kubeconfig) cannot be reached: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it("asks nothing, and needs no kubeconfig, when there is nothing to ask", async () => {
    expect(await readNamespaces([], { env: {}, homeDir: join(dir, "nowhere"), cwd: dir })).toEqual({
      answered: true,
      existing: [],
    });
  });
});
