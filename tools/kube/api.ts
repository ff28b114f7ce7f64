/**
 * A small Kubernetes API client: HTTPS with the control plane's admin client certificate,
 * optional impersonation, discovery of a kind's resource path, and server-side apply. Enough for
 * the local tools and the cluster tests, and no dependency beyond node:https.
 */
import { send } from "./http";
import type { Manifest } from "./manifest";

/** How to reach a control plane as its admin. A started ControlPlane is one. */
export interface KubeAccess {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly caPem: string;
  readonly adminCertPem: string;
  readonly adminKeyPem: string;
  /** The server's version, for messages. */
  readonly version: string;
}

/** Who a request acts as, through the Impersonate-* headers the admin may send. */
export interface Impersonation {
  readonly user: string;
  readonly groups?: readonly string[];
}

export interface KubeResponse {
  readonly status: number;
  /** The parsed JSON body, or undefined when the body was not JSON. */
  readonly body: unknown;
  readonly text: string;
  /** Warning headers the server sent (deprecations, Pod Security warnings). */
  readonly warnings: readonly string[];
}

/** The REST address of a kind, from API discovery. */
export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

/** Field manager of every server-side apply this client makes. */
export const FIELD_MANAGER = "k8s-flux-test";

/** The message of a Kubernetes Status body, or the raw text. */
export function statusMessage(response: KubeResponse): string {
  const body = response.body as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : response.text.slice(0, 500);
}

export class KubeApi {
  private readonly discovered = new Map<string, Map<string, ResourceInfo>>();

  constructor(
    private readonly access: KubeAccess,
    private readonly impersonation?: Impersonation,
  ) {}

  /** The same server, acting as someone else. */
  as(impersonation: Impersonation): KubeApi {
    return new KubeApi(this.access, impersonation);
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | string[]> = { Accept: "application/json" };
    if (payload !== undefined) headers["Content-Type"] = contentType;
    if (this.impersonation) {
      headers["Impersonate-User"] = this.impersonation.user;
      if (this.impersonation.groups) headers["Impersonate-Group"] = [...this.impersonation.groups];
    }
    const response = await send(new URL(path, this.access.server), {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      tls: {
        caPem: this.access.caPem,
        certPem: this.access.adminCertPem,
        keyPem: this.access.adminKeyPem,
      },
    });
    const warning = response.headers["warning"];
    return {
      status: response.status,
      body: parseJson(response.body),
      text: response.body,
      warnings: warning === undefined ? [] : [warning].flat(),
    };
  }

  get(path: string): Promise<KubeResponse> {
    return this.request("GET", path);
  }

  post(path: string, body: unknown): Promise<KubeResponse> {
    return this.request("POST", path, body);
  }

  delete(path: string): Promise<KubeResponse> {
    return this.request("DELETE", path);
  }

  /**
   * Where a kind lives, from discovery; undefined when the server does not serve it. A group
   * seen before is asked again when the kind is missing, since a new CRD adds kinds.
   */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const cached = this.discovered.get(apiVersion)?.get(kind);
    if (cached) return cached;
    const response = await this.get(apiVersion.includes("/") ? `/apis/${apiVersion}` : "/api/v1");
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      throw new Error(`discovery of ${apiVersion}: ${response.status} ${statusMessage(response)}`);
    }
    const list = response.body as {
      resources: { name: string; kind: string; namespaced: boolean }[];
    };
    const kinds = new Map<string, ResourceInfo>();
    for (const entry of list.resources) {
      // Subresources (`deployments/scale`) share their parent's kind; keep the parent.
      if (!entry.name.includes("/")) {
        kinds.set(entry.kind, { plural: entry.name, namespaced: entry.namespaced });
      }
    }
    this.discovered.set(apiVersion, kinds);
    return kinds.get(kind);
  }

  /** The REST path of one object, or of a collection when `name` is undefined. */
  async path(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name?: string,
  ): Promise<string> {
    const info = await this.resource(apiVersion, kind);
    if (!info) throw new Error(`the server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : "/api/v1";
    const scope = info.namespaced ? `/namespaces/${namespace ?? "default"}` : "";
    return `${base}${scope}/${info.plural}${name === undefined ? "" : `/${name}`}`;
  }

  /** Server-side apply of one object, taking every field it names (force). */
  async apply(manifest: Manifest): Promise<KubeResponse> {
    const { apiVersion, kind, metadata } = manifest;
    const path = await this.path(apiVersion, kind, metadata.namespace, metadata.name);
    return this.request(
      "PATCH",
      `${path}?fieldManager=${FIELD_MANAGER}&force=true`,
      manifest,
      // JSON is YAML, so the JSON text is a valid apply patch.
      "application/apply-patch+yaml",
    );
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
