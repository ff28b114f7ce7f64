/**
 * What the mocked providers answer: the state a created resource gets beyond its inputs, and
 * the results of the invokes (data-source lookups) the program makes.
 */
import { FAKE } from "./fakes";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Inputs = Record<string, any>;

/** The state the engine would get back for a new resource of this type. */
export function mockState(type: string, name: string, inputs: Inputs, lastOutputs: Inputs): Inputs {
  switch (type) {
    case "pulumi:pulumi:StackReference":
      return { ...inputs, outputs: lastOutputs, secretOutputNames: [] };
    case "tls:index/privateKey:PrivateKey":
      return {
        ...inputs,
        privateKeyPem: FAKE.privateKeyPem(name),
        privateKeyOpenssh: FAKE.privateKeyPem(name),
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
      return isKubernetesObject(type, inputs) ? withUid(type, name, inputs) : inputs;
  }
}

/** A resource that is one object of the Kubernetes API: its inputs name its kind. */
function isKubernetesObject(type: string, inputs: Inputs): boolean {
  return (
    type.startsWith("kubernetes:") &&
    typeof inputs["kind"] === "string" &&
    typeof inputs["metadata"] === "object" &&
    inputs["metadata"] !== null
  );
}

/** The object as the API server gives it back, with the uid it assigns on creation. */
function withUid(type: string, name: string, inputs: Inputs): Inputs {
  return { ...inputs, metadata: { ...inputs["metadata"], uid: FAKE.uid(type, name) } };
}

/** The answer to an invoke; one the program has no business making is an error. */
export function mockCall(token: string): Inputs {
  switch (token) {
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: FAKE.accountId,
        arn: FAKE.callerArn,
        userId: "AIDAFAKEDEPLOYER",
        id: FAKE.accountId,
      };
    case "aws:eks/getCluster:getCluster":
      return { arn: FAKE.eksClusterArn, identities: [{ oidcs: [{ issuer: FAKE.oidcIssuer }] }] };
    case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider":
      return { arn: FAKE.oidcProviderArn, url: FAKE.oidcIssuer.replace("https://", "") };
    default:
      throw new Error(`unexpected invoke ${token} under mocks`);
  }
}
