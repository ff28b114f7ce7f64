/**
 * Runs the example program (index.ts beside this file) under Pulumi's runtime mocks: no engine,
 * no cloud account, no cluster. It prints one JSON line per resource the program registers, and
 * one with the program's outputs. test/library.test.ts runs it in a project that installed this
 * package, to show the components work from there; a team can check its own program the same way.
 */
import * as pulumi from "@pulumi/pulumi";

interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** What the other team's stack would hand over: the cluster's name, kubeconfig and OIDC provider. */
const EKS_OUTPUTS = {
  clusterName: "prod-eks",
  kubeconfig: "apiVersion: v1\nkind: Config\n",
  oidcProviderArn:
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
};

/** The state a created resource gets beyond its inputs, where the program reads some of it. */
function createdState(type: string, name: string, inputs: Record<string, unknown>) {
  switch (type) {
    case "pulumi:pulumi:StackReference":
      return { ...inputs, outputs: EKS_OUTPUTS, secretOutputNames: [] };
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, publicKeyOpenssh: `ecdsa-sha2-nistp384 AAAAEXAMPLE${name}\n` };
    case "tls:index/selfSignedCert:SelfSignedCert":
      return {
        ...inputs,
        certPem: "-----BEGIN CERTIFICATE-----\nEXAMPLE\n-----END CERTIFICATE-----\n",
      };
    case "aws:iam/role:Role":
      return { ...inputs, arn: `arn:aws:iam::123456789012:role/${name}` };
    case "aws:route53/zone:Zone":
      return { ...inputs, zoneId: "Z0EXAMPLE" };
    default:
      return inputs;
  }
}

/** Resolves the Outputs the program exports; once they have values, its resources exist. */
function resolved(exports: Record<string, pulumi.Output<string>>): Promise<Record<string, string>> {
  return new Promise((resolve) => pulumi.all(exports).apply(resolve));
}

async function main(): Promise<void> {
  const registrations: Registration[] = [];
  const unanswered: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        registrations.push({ type, name, inputs });
        return { id: `${name}-id`, state: createdState(type, name, inputs) };
      },
      call: ({ token }) => {
        if (token === "aws:index/getPartition:getPartition") {
          return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        }
        unanswered.push(token);
        return {};
      },
    },
    "platform",
    "prod",
    false,
    // The components label what they own with the stack's full name, organization included.
    "acme",
  );
  const outputs = await resolved(await import("./index"));
  // What the engine waits for at the end of a program: every registration still in flight.
  await pulumi.runtime.disconnect();
  if (unanswered.length > 0) {
    throw new Error(`the program made invokes the mocks do not answer: ${unanswered.join(", ")}`);
  }
  for (const registration of registrations) console.log(JSON.stringify(registration));
  console.log(JSON.stringify({ outputs }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
