/**
 * Pulumi's runtime mocks, set up to record every resource registration with the options the
 * engine would see (parent, protect, retainOnDelete, dependencies, provider) that the plain mock
 * API does not expose, and which inputs went to the engine as secrets.
 */
import * as pulumi from "@pulumi/pulumi";
import { type ExistingNamespace, replaceNamespaceLookup } from "../../stacks/clusterNamespaces";
import { type Inputs, mockCall, mockState } from "./providers";

export type { Inputs } from "./providers";

/** The project name the program runs under, as in Pulumi.yaml. */
export const PROJECT = "k8s-flux";

export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  readonly parent: string;
  readonly provider: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly dependencies: readonly string[];
  readonly inputs: Inputs;
  /** Paths (`stringData.identity`) of inputs sent to the engine as secrets: encrypted in state. */
  readonly secretPaths: readonly string[];
}

export interface Invocation {
  readonly token: string;
  readonly inputs: Inputs;
}

export interface MockRun {
  readonly resources: Recorded[];
  readonly invocations: Invocation[];
  /** Waits until no registration is in flight, so `resources` is complete. */
  settle(): Promise<void>;
  ofType(type: string): Recorded[];
  one(type: string, name: string): Recorded;
  /** Kubernetes objects by kind and metadata.name (and namespace when given). */
  k8s(kind: string, name: string, namespace?: string): Recorded;
  k8sObjects(): Recorded[];
}

export interface MockRunOptions {
  /** What a stack reference to this stack reads: the outputs its last update left. */
  readonly lastOutputs?: Inputs;
  /** Extra state a resource gets from the mocked provider, by type and name. */
  readonly providerState?: (type: string, name: string) => Inputs | undefined;
  /** The namespaces the cluster already has, as the program looks them up. Default: none. */
  readonly existingNamespaces?: readonly ExistingNamespace[];
}

/** Installs fresh mocks for the given stack and config. Call before running the code under them. */
export async function startMockRun(
  stack: string,
  config: Record<string, string> = {},
  secretKeys: string[] = [],
  options: MockRunOptions = {},
): Promise<MockRun> {
  const resources: Recorded[] = [];
  const invocations: Invocation[] = [];
  let inFlight = 0;

  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => ({
        id: `${name}-id`,
        state: {
          ...mockState(type, name, inputs, options.lastOutputs ?? {}),
          ...options.providerState?.(type, name),
        },
      }),
      call: ({ token, inputs }) => {
        invocations.push({ token, inputs });
        return mockCall(token);
      },
    },
    PROJECT,
    stack,
    false,
    // What the self-managed backends report; stack references need an organization.
    "organization",
  );
  pulumi.runtime.setAllConfig(config, secretKeys);
  const existingNamespaces = options.existingNamespaces ?? [];
  replaceNamespaceLookup(async (names) => ({
    answered: true,
    existing: existingNamespaces.filter((namespace) => names.includes(namespace.name)),
  }));

  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(
      req: RegisterRequest,
      callback: (err: unknown, res: RegisterResponse) => void,
    ): Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (req, callback) => {
    inFlight += 1;
    try {
      await original(req, (err, res) => {
        if (!err) {
          resources.push({
            type: req.getType(),
            name: req.getName(),
            urn: res.getUrn(),
            custom: req.getCustom(),
            parent: req.getParent(),
            provider: req.getProvider(),
            protect: req.getProtect() ?? false,
            retainOnDelete: req.getRetainondelete() ?? false,
            dependencies: req.getDependenciesList(),
            inputs: unwrapSecrets(pulumi.runtime.deserializeProperties(req.getObject())) as Inputs,
            secretPaths: findSecretPaths(req.getObject().toJavaScript(), ""),
          });
        }
        callback(err, res);
      });
    } finally {
      inFlight -= 1;
    }
  };

  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const k8sObjects = () =>
    resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs["kind"]);
  return {
    resources,
    invocations,
    ofType,
    k8sObjects,
    async settle() {
      let quietTicks = 0;
      while (quietTicks < 5) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        quietTicks = inFlight === 0 ? quietTicks + 1 : 0;
      }
    },
    one(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one ${type} named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`,
        );
      }
      return found[0] as Recorded;
    },
    k8s(kind, name, namespace) {
      const found = k8sObjects().filter(
        (r) =>
          r.inputs["kind"] === kind &&
          r.inputs["metadata"]?.name === name &&
          (namespace === undefined || r.inputs["metadata"]?.namespace === namespace),
      );
      if (found.length !== 1) {
        throw new Error(`expected one ${kind} ${namespace ?? "*"}/${name}, found ${found.length}`);
      }
      return found[0] as Recorded;
    },
  };
}

/** Replaces secret wrappers with their plain values; `secretPaths` records where they were. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
    return unwrapSecrets(record["value"]);
  }
  return Object.fromEntries(
    Object.entries(record).map(([key, child]) => [key, unwrapSecrets(child)]),
  );
}

/** Walks the wire form of resource inputs and lists where secret-wrapped values sit. */
function findSecretPaths(value: unknown, path: string): string[] {
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
    return [path];
  }
  return Object.entries(record).flatMap(([key, child]) =>
    findSecretPaths(child, path === "" ? key : `${path}.${key}`),
  );
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getProvider(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDependenciesList(): string[];
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
}
interface RegisterResponse {
  getUrn(): string;
}
