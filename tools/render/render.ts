/**
 * Renders a stack offline: runs the program under Pulumi's mocks (tools/mocks) and collects
 * every Kubernetes object it would create, as the plain manifests the API server would get, in
 * apply order.
 *
 * Nothing real can appear in the output. Config comes from Pulumi.<stack>.yaml without its
 * `secure:` values, plus the fake GitHub token and New Relic license (FAKE_SECRETS);
 * `github:token` is always set, so a GITHUB_TOKEN in the environment is never read. Keys and
 * certificates come from the mocked tls provider (FAKE), and assertFakeKeyMaterial refuses any
 * other PEM block, in case a new resource ever produced one.
 */
import type { Manifest } from "../kube/manifest";
import { FAKE_SECRETS, isFakePemBlock } from "../mocks/fakes";
import type { Recorded } from "../mocks/runtime";
import { runStack } from "../mocks/stack";
import { toManifest } from "./manifest";
import { applyOrder, applyStep, compareText } from "./order";

export interface RenderedObject {
  readonly manifest: Manifest;
  /** The Pulumi resource that creates it, for messages. */
  readonly resourceName: string;
  /** Its apply step (see order.ts); objects in a later step may need the earlier ones. */
  readonly step: number;
}

/** A Kubernetes resource of the program whose objects only exist at deploy time. */
export interface SkippedResource {
  readonly type: string;
  readonly resourceName: string;
  readonly reason: string;
}

export interface Rendering {
  readonly stack: string;
  /** In apply order. */
  readonly objects: RenderedObject[];
  readonly skipped: SkippedResource[];
}

/**
 * Evaluates index.ts's program for a stack under mocks and returns its Kubernetes objects.
 * `settings` replaces whole `k8s-flux:` settings of the stack file (for generated stacks).
 */
export async function renderStack(
  stack: string,
  settings: Record<string, unknown> = {},
): Promise<Rendering> {
  // index.ts itself, run the way `pulumi up` runs it, so the rendering is the real program's.
  const { run } = await runStack(stack, { settings, secrets: FAKE_SECRETS });
  if (run.k8sObjects().length === 0) {
    throw new Error(`stack ${stack}: the program registered no Kubernetes objects under mocks`);
  }

  const objects = run.k8sObjects().map(toOrderable);
  const ordered = applyOrder(objects).map(({ manifest, resourceName }) => ({
    manifest,
    resourceName,
    step: applyStep(manifest.apiVersion, manifest.kind),
  }));
  assertFakeKeyMaterial(ordered);
  return { stack, objects: ordered, skipped: skippedResources(run.resources) };
}

function toOrderable(resource: Recorded) {
  const manifest = toManifest(resource.inputs) as Manifest;
  const { name, namespace } = manifest.metadata;
  if (typeof name !== "string" || name === "") {
    throw new Error(`${resource.name}: ${manifest.kind} has no metadata.name after rendering`);
  }
  return {
    key: resource.urn,
    manifest,
    resourceName: resource.name,
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    name,
    ...(namespace === undefined ? {} : { namespace }),
    dependsOn: resource.dependencies,
  };
}

/**
 * Kubernetes resources that are not objects: Helm charts and releases, whose objects come from
 * an upstream chart that is fetched and rendered only at deploy time. By name, so the list does
 * not depend on the order in which the program happened to register them.
 */
function skippedResources(resources: readonly Recorded[]): SkippedResource[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.inputs["kind"])
    .sort((a, b) => compareText(a.name, b.name))
    .map((r) => ({
      type: r.type,
      resourceName: r.name,
      reason: r.type.startsWith("kubernetes:helm.sh/")
        ? `chart ${String(r.inputs["chart"])} ${String(r.inputs["version"])}, rendered from upstream at deploy time`
        : "not a Kubernetes object",
    }));
}

/** Refuses a rendering that holds any PEM block other than the mocks' fake ones. */
export function assertFakeKeyMaterial(objects: readonly RenderedObject[]): void {
  for (const { manifest, resourceName } of objects) {
    const text = JSON.stringify(manifest).replace(/\\n/g, "\n");
    const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
    const openings = text.split("-----BEGIN ").length - 1;
    if (openings !== blocks.length || !blocks.every(isFakePemBlock)) {
      throw new Error(
        `${resourceName}: rendered ${manifest.kind} holds key material that is not the mocks' fake; refusing to render it`,
      );
    }
  }
}
