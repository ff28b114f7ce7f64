/**
 * Renders a stack offline: runs the program under the unit tests' Pulumi mocks and collects
 * every Kubernetes object it would create, as the plain manifests the API server would get, in
 * apply order.
 *
 * Nothing real can appear in the output. Config comes from Pulumi.<stack>.yaml without its
 * `secure:` values, plus the harness's fake GitHub token and New Relic license; `github:token`
 * is always set, so a GITHUB_TOKEN in the environment is never read. Keys and certificates come
 * from the mocked tls provider (FAKE in test/harness.ts), and assertFakeKeyMaterial refuses any
 * other PEM block, in case a new resource ever produced one.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  FAKE,
  type Recorded,
  REPO_ROOT,
  runIndex,
  stackFileConfig,
  startMockRun,
  TEST_GITHUB_TOKEN,
  TEST_LICENSE_KEY,
} from "../../test/harness";
import { toManifest } from "../../test/manifest";
import { applyOrder, applyStep } from "./order";

/** A Kubernetes object as the API server gets it. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

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

/** Stack config values that are secrets in a real stack; here, fakes from the harness. */
const FAKE_SECRET_CONFIG: Record<string, string> = {
  "github:token": TEST_GITHUB_TOKEN,
  "k8s-flux:newrelicLicenseKey": TEST_LICENSE_KEY,
};

/** Key material the mocks hand out; the only PEM blocks a rendering may hold. */
const FAKE_PEM_BLOCKS = new Set([FAKE.privateKeyPem.trim(), FAKE.certPem.trim()]);

/** Thrown for a stack this checkout has no Pulumi.<stack>.yaml for. */
export class UnknownStackError extends Error {}

// Pulumi's mock runtime is one per process, so renderings take turns.
let previous: Promise<unknown> = Promise.resolve();

/**
 * Evaluates index.ts's program for a stack under mocks and returns its Kubernetes objects.
 * `settings` replaces whole `k8s-flux:` settings of the stack file (for generated stacks).
 */
export function renderStack(
  stack: string,
  settings: Record<string, unknown> = {},
): Promise<Rendering> {
  const next = previous.then(
    () => renderNow(stack, settings),
    () => renderNow(stack, settings),
  );
  previous = next;
  return next;
}

async function renderNow(stack: string, settings: Record<string, unknown>): Promise<Rendering> {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`))) {
    throw new UnknownStackError(
      `no stack file Pulumi.${stack}.yaml in ${REPO_ROOT}; name a stack that has one (dev, prod)`,
    );
  }
  const overrides = Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [`k8s-flux:${key}`, JSON.stringify(value)]),
  );
  const run = await startMockRun(
    stack,
    { ...stackFileConfig(stack), ...overrides, ...FAKE_SECRET_CONFIG },
    Object.keys(FAKE_SECRET_CONFIG),
  );
  // index.ts itself, run the way `pulumi up` runs it, so the rendering is the real program's.
  await runIndex();
  await run.settle();
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
 * an upstream chart that is fetched and rendered only at deploy time.
 */
function skippedResources(resources: readonly Recorded[]): SkippedResource[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.inputs["kind"])
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
    if (openings !== blocks.length || blocks.some((block) => !FAKE_PEM_BLOCKS.has(block))) {
      throw new Error(
        `${resourceName}: rendered ${manifest.kind} holds key material that is not the mocks' fake; refusing to render it`,
      );
    }
  }
}
