/**
 * What every fault scenario checks at its end, read from the stack itself: its state (`pulumi
 * stack export`, secrets left encrypted), its public outputs, and the cluster.
 *
 * - keys: the public half of every key in state, by URN, and the key Secrets in the cluster
 *   holding exactly what the outputs publish;
 * - objects: the cluster's objects of this program (label app.kubernetes.io/part-of=k8s-flux)
 *   and the state's Kubernetes objects are the same set, each once: nothing orphaned, nothing
 *   recorded twice, nothing missing.
 */
import { expect } from "vitest";
import { type KubeResponse, statusMessage } from "../../tools/kube/api";
import { waitFor, within } from "../../tools/kube/waitFor";
import { LOCAL_STACK } from "../../tools/local/project";
import { pulumiOk } from "../../tools/local/pulumi";
import { type ExportedState, exportStackState } from "../../tools/local/recovery";
import type { FaultStack } from "./faultStack";

export type StackState = ExportedState;

export const exportState = (stack: FaultStack): Promise<StackState> =>
  exportStackState(stack.context, LOCAL_STACK);

export const PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
const CERTIFICATE = "tls:index/selfSignedCert:SelfSignedCert";

/** The public half of every key and certificate in state, by URN. */
export function keysInState(state: StackState): Record<string, string> {
  const found: Record<string, string> = {};
  for (const resource of state.resources) {
    const publicHalf =
      resource.type === PRIVATE_KEY
        ? resource.outputs?.["publicKeyOpenssh"]
        : resource.type === CERTIFICATE
          ? resource.outputs?.["certPem"]
          : undefined;
    if (typeof publicHalf === "string") found[resource.urn] = publicHalf;
  }
  return found;
}

export const privateKeyCount = (state: StackState): number =>
  state.resources.filter((resource) => resource.type === PRIVATE_KEY).length;

/** Resources that register a key with GitHub; the local stack must never have one. */
export const gitHubResources = (state: StackState): string[] =>
  state.resources.filter((resource) => resource.type.startsWith("github:")).map((r) => r.urn);

export interface PublishedKeys {
  /** Certificate by sealing key name. */
  readonly sealing: Record<string, string>;
  readonly systemFlux: string;
  /** Public key by application. */
  readonly applications: Record<string, string>;
}

/** The keys a stack's outputs publish, from the outputs themselves (live or in a saved state). */
export function keysInOutputs(outputs: unknown): PublishedKeys {
  const published = (outputs ?? {}) as {
    sealedSecretsCertificates?: Record<string, string>;
    systemFluxPublicKey?: string;
    applicationPublicKeys?: Record<string, string>;
  };
  return {
    sealing: published.sealedSecretsCertificates ?? {},
    systemFlux: published.systemFluxPublicKey ?? "",
    applications: published.applicationPublicKeys ?? {},
  };
}

/** The keys the stack's outputs publish. */
export async function publishedKeys(stack: FaultStack): Promise<PublishedKeys> {
  const result = await pulumiOk(
    ["stack", "output", "--json", "--stack", LOCAL_STACK],
    stack.context,
  );
  return keysInOutputs(JSON.parse(result.stdout));
}

/** Each key published before that is no longer published the same, by what it is. */
export function changedKeys(before: PublishedKeys, after: PublishedKeys): string[] {
  const changed = (label: string, was: string | undefined, is: string | undefined): string[] =>
    was === is ? [] : [label];
  return [
    ...Object.entries(before.sealing).flatMap(([name, certificate]) =>
      changed(`sealing key ${name}`, certificate, after.sealing[name]),
    ),
    ...changed("system Flux deploy key", before.systemFlux, after.systemFlux),
    ...Object.entries(before.applications).flatMap(([name, publicKey]) =>
      changed(`deploy key of ${name}`, publicKey, after.applications[name]),
    ),
  ];
}

/** Where each published key is in the cluster, and what it is there: `namespace/name field`. */
function keySecrets(
  keys: PublishedKeys,
): { namespace: string; name: string; field: string; value: string }[] {
  return [
    ...Object.entries(keys.sealing).map(([name, certificate]) => ({
      namespace: "kube-system",
      name,
      field: "tls.crt",
      value: certificate,
    })),
    {
      namespace: "flux-system",
      name: "flux-system",
      field: "identity.pub",
      value: keys.systemFlux,
    },
    ...Object.entries(keys.applications).map(([application, publicKey]) => ({
      namespace: `${application}-flux`,
      name: `${application}-deploy-key`,
      field: "identity.pub",
      value: publicKey,
    })),
  ];
}

export const secretPath = (namespace: string, name: string): string =>
  `/api/v1/namespaces/${namespace}/secrets/${name}`;

/**
 * Each key Secret that does not hold what the outputs publish, as `namespace/name: why`; empty
 * when all do. Public halves only: private keys are never read here.
 */
export async function keySecretMismatches(
  stack: FaultStack,
  keys: PublishedKeys,
): Promise<string[]> {
  const mismatches: string[] = [];
  for (const { namespace, name, field, value } of keySecrets(keys)) {
    const response = await stack.api.get(secretPath(namespace, name));
    const data = (response.body as { data?: Record<string, string> } | undefined)?.data;
    const held = data?.[field] === undefined ? undefined : Buffer.from(data[field], "base64");
    if (response.status !== 200) mismatches.push(`${namespace}/${name}: ${response.status}`);
    else if (held?.toString("utf8").trim() !== value.trim()) {
      mismatches.push(`${namespace}/${name}: ${field} is not the published key`);
    }
  }
  return mismatches;
}

const PART_OF = "app.kubernetes.io/part-of=k8s-flux";
const LIST_TIMEOUT_MS = 60_000;

interface ObjectIdentity {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

const identify = (object: ObjectIdentity): string =>
  `${object.kind} ${object.apiVersion} ${object.namespace ? `${object.namespace}/` : ""}${object.name}`;

function objectsInState(state: StackState): ObjectIdentity[] {
  return state.resources
    .filter((resource) => resource.custom && resource.type.startsWith("kubernetes:"))
    .map((resource) => {
      const outputs = resource.outputs ?? {};
      const metadata = (outputs["metadata"] ?? {}) as { namespace?: string; name?: string };
      return {
        apiVersion: String(outputs["apiVersion"]),
        kind: String(outputs["kind"]),
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
        name: String(metadata.name),
      };
    });
}

async function objectsInCluster(
  stack: FaultStack,
  kinds: readonly { apiVersion: string; kind: string }[],
): Promise<ObjectIdentity[]> {
  const found: ObjectIdentity[] = [];
  for (const { apiVersion, kind } of kinds) {
    const info = await stack.api.resource(apiVersion, kind);
    if (!info) throw new Error(`the cluster does not serve ${kind} ${apiVersion}`);
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : "/api/v1";
    const path = `${base}/${info.plural}?labelSelector=${encodeURIComponent(PART_OF)}`;
    let listed: KubeResponse | undefined;
    // An API server started again answers 429 to lists until its caches are filled.
    await waitFor(
      async () => {
        listed = await stack.api.get(path);
        return (
          listed.status === 200 || `listing ${kind}: ${listed.status} ${statusMessage(listed)}`
        );
      },
      { deadline: within(LIST_TIMEOUT_MS), intervalMs: 500 },
    );
    const items = (listed?.body as { items: { metadata: { namespace?: string; name: string } }[] })
      .items;
    for (const { metadata } of items) {
      found.push({
        apiVersion,
        kind,
        ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
        name: metadata.name,
      });
    }
  }
  return found;
}

const duplicates = (items: readonly string[]): string[] => [
  ...new Set(items.filter((item, index) => items.indexOf(item) !== index)),
];

/** The cluster's objects of this program against the state's: both lists empty when they agree. */
export async function objectDifferences(
  stack: FaultStack,
  state: StackState,
): Promise<{ orphaned: string[]; missing: string[]; recordedTwice: string[] }> {
  const recorded = objectsInState(state);
  const kinds = [
    ...new Map(
      recorded.map((o) => [
        `${o.apiVersion} ${o.kind}`,
        { apiVersion: o.apiVersion, kind: o.kind },
      ]),
    ).values(),
  ];
  const inState = recorded.map(identify);
  const inCluster = (await objectsInCluster(stack, kinds)).map(identify);
  return {
    orphaned: inCluster.filter((object) => !inState.includes(object)).sort(),
    missing: inState.filter((object) => !inCluster.includes(object)).sort(),
    recordedTwice: duplicates(inState).sort(),
  };
}

/**
 * How a scenario ends once the stack has converged again: the keys published before the fault,
 * unchanged and still in their Secrets, the tenant still there, and every object of the program
 * in the cluster and in state once.
 */
export async function expectSameKeysAndObjects(
  stack: FaultStack,
  before: PublishedKeys,
  tenant: string,
): Promise<void> {
  const after = await publishedKeys(stack);
  expect(changedKeys(before, after)).toEqual([]);
  expect(Object.keys(after.applications)).toContain(tenant);
  expect(await keySecretMismatches(stack, after)).toEqual([]);
  expect(await objectDifferences(stack, await exportState(stack))).toEqual({
    orphaned: [],
    missing: [],
    recordedTwice: [],
  });
}
