/**
 * Test harness: runs components or the whole program under Pulumi's runtime mocks and records
 * every resource registration, with the options the engine would see (parent, protect,
 * retainOnDelete, dependencies, provider) that the plain mock API does not expose.
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

export const PROJECT = "k8s-flux";
export const REPO_ROOT = join(__dirname, "..");

/** Fake key material the mocked tls provider returns. Never real keys. */
export const FAKE = {
  privateKeyPem: "-----BEGIN EC PRIVATE KEY-----\nFAKE-TEST-KEY\n-----END EC PRIVATE KEY-----\n",
  publicKeyOpenssh: (name: string) =>
    `ecdsa-sha2-nistp384 AAAAFAKE${name.replace(/[^A-Za-z0-9]/g, "")}\n`,
  certPem: "-----BEGIN CERTIFICATE-----\nFAKE-TEST-CERT\n-----END CERTIFICATE-----\n",
  oidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/LOOKEDUP0000000000000000000000",
  oidcProviderArn:
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/LOOKEDUP0000000000000000000000",
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Inputs = Record<string, any>;

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

function mockState(type: string, name: string, inputs: Inputs, lastOutputs: Inputs): Inputs {
  switch (type) {
    case "pulumi:pulumi:StackReference":
      return { ...inputs, outputs: lastOutputs, secretOutputNames: [] };
    case "tls:index/privateKey:PrivateKey":
      return {
        ...inputs,
        privateKeyPem: FAKE.privateKeyPem,
        privateKeyOpenssh: FAKE.privateKeyPem,
        publicKeyOpenssh: FAKE.publicKeyOpenssh(name),
      };
    case "tls:index/selfSignedCert:SelfSignedCert":
      return { ...inputs, certPem: FAKE.certPem };
    case "aws:iam/role:Role":
      return {
        ...inputs,
        name: `${name}-1234567`,
        arn: `arn:aws:iam::123456789012:role/${name}-1234567`,
      };
    default:
      return inputs;
  }
}

function mockCall(token: string): Inputs {
  switch (token) {
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:eks/getCluster:getCluster":
      return { identities: [{ oidcs: [{ issuer: FAKE.oidcIssuer }] }] };
    case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
      return { arn: FAKE.oidcProviderArn, url: FAKE.oidcIssuer.replace("https://", "") };
    default:
      throw new Error(`unexpected invoke ${token} in a test`);
  }
}

export interface MockRunOptions {
  /** What a stack reference to this stack reads: the outputs its last update left. */
  readonly lastOutputs?: Inputs;
  /** Extra state a resource gets from the mocked provider, by type and name. */
  readonly providerState?: (type: string, name: string) => Inputs | undefined;
}

/** Installs fresh mocks for the given stack and config. Call before importing the code under test. */
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

/**
 * Everything a resource sends to the engine outside secret wrappers, as text: what a plain
 * state file or `pulumi stack export` could show. Secret values are replaced by "[secret]".
 */
export function plainInputs(resource: Recorded): string {
  const copy = structuredClone(resource.inputs);
  for (const path of resource.secretPaths) {
    const keys = path.split(".");
    const last = keys.pop() ?? "";
    let target: Record<string, unknown> = copy;
    for (const key of keys) target = target[key] as Record<string, unknown>;
    target[last] = "[secret]";
  }
  return JSON.stringify(copy);
}

/** Resolves an Output's value in a test (its secretness is checked separately). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) =>
    pulumi.output(output).apply((value) => {
      resolve(value as T);
      return value;
    }),
  );
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Input<unknown>): Promise<boolean> {
  return pulumi.isSecret(pulumi.output(output));
}

/**
 * Reads Pulumi.<stack>.yaml into the flat map the runtime uses: structured values as JSON,
 * like the CLI passes them. Values written as `secure:` cannot be decrypted here and are left
 * out; tests add the secrets they need explicitly.
 */
export function stackFileConfig(stack: string): Record<string, string> {
  const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in value) continue;
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** A value for secret config in tests; it must never appear in any recorded plain output. */
export const TEST_LICENSE_KEY = "TEST-LICENSE-0123456789abcdef0123456789abcdef";
export const TEST_GITHUB_TOKEN = "ghp_TESTTOKEN000000000000000000000000000";
/** A second fake token, for GITHUB_TOKEN in the environment where both are set. */
export const TEST_GITHUB_TOKEN_FROM_ENV = "ghp_FROMENVIRONMENT0000000000000000000000";

/** Runs index.ts as `pulumi up` does: loads it, then awaits the function it exports. */
export async function runIndex(): Promise<Record<string, unknown>> {
  const loaded = (await import("../index")) as unknown as { default?: unknown };
  const program = typeof loaded.default === "function" ? loaded.default : loaded;
  if (typeof program !== "function") throw new Error("index.ts exports no program function");
  return (await program()) as Record<string, unknown>;
}

/** The message the action throws, or "" when it throws nothing. */
export async function thrownMessage(action: () => unknown): Promise<string> {
  try {
    await action();
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}
