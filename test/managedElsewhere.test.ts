/**
 * Options for parts managed elsewhere: a given External DNS role, deploy keys not registered on
 * GitHub, a pre-installed Flux Operator, and not waiting for readiness. The local stack
 * (Pulumi.local.yaml) turns them all on and must need no cloud account at all.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import {
  FAKE_SECRETS,
  type MockRun,
  runStack,
  type StackRun,
  valueOf,
  thrownMessage,
} from "./harness";

const GIVEN_ROLE = "arn:aws:iam::210987654321:role/dns-from-the-platform-team";

/** A stack with `settings` replaced, and the fake secrets unless `secrets` says otherwise. */
const up = (
  stack: string,
  settings: Record<string, unknown> = {},
  secrets: Record<string, string> = FAKE_SECRETS,
): Promise<StackRun> => runStack(stack, { settings, secrets });

const annotationsOf = (run: MockRun, kind: string) =>
  run
    .k8sObjects()
    .filter((r) => r.inputs["kind"] === kind)
    .map((r) => [r.inputs["metadata"].name, r.inputs["metadata"].annotations ?? null]);

describe("externalDns.roleArn", () => {
  const dns = (extra: Record<string, unknown>) => ({
    domainFilters: ["dev.example.com"],
    hostedZoneIds: ["Z0123456789ABCDEFGHIJ"],
    roleArn: GIVEN_ROLE,
    ...extra,
  });

  it("uses the given role: no IAM resource, no AWS lookup, the ServiceAccount names it", async () => {
    const { run, outputs } = await up("dev", { externalDns: dns({ identity: "irsa" }) });
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
    expect(run.invocations.filter((i) => i.token.startsWith("aws:"))).toEqual([]);
    expect(
      run.k8s("ServiceAccount", "external-dns", "external-dns").inputs["metadata"].annotations,
    ).toEqual({ "eks.amazonaws.com/role-arn": GIVEN_ROLE });
    expect(await valueOf(outputs["externalDnsRoleArn"] as pulumi.Output<string>)).toBe(GIVEN_ROLE);
  });

  it("with kube2iam needs no node role, and names the role on the pod", async () => {
    const { run } = await up("dev", { externalDns: dns({ identity: "kube2iam" }) });
    expect(
      run.k8s("Deployment", "external-dns", "external-dns").inputs["spec"].template.metadata
        .annotations,
    ).toEqual({ "iam.amazonaws.com/role": GIVEN_ROLE });
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
  });

  it("with pod identity still creates the association, for the given role", async () => {
    // The platform team's role is in another account than the stack's association.
    const { run } = await up("dev", {
      externalDns: dns({ identity: "pod-identity", allowCrossAccountRole: true }),
    });
    expect(run.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type)).toEqual([
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    ]);
    expect(run.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")[0]?.inputs).toEqual(
      expect.objectContaining({ roleArn: GIVEN_ROLE, serviceAccount: "external-dns" }),
    );
  });

  it("refuses settings that only shape a role this program would create", async () => {
    const message = await thrownMessage(() =>
      up("dev", {
        externalDns: dns({
          identity: "irsa",
          oidcProviderArn:
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
        }),
      }),
    );
    expect(message.split("\n").slice(1)).toEqual([
      "  - k8s-flux:externalDns.oidcProviderArn: is only used to write the trust policy of a role this program creates, but k8s-flux:externalDns.roleArn is set; remove one of them",
    ]);
    const badArn = await thrownMessage(() =>
      up("dev", { externalDns: dns({ roleArn: "dns-role" }) }),
    );
    expect(badArn.split("\n").slice(1)).toEqual([
      '  - k8s-flux:externalDns.roleArn: "dns-role" is not an IAM role ARN; expected arn:aws:iam::<account>:role/<name>',
    ]);
  });
});

describe("registerDeployKeys: false", () => {
  it("registers nothing on GitHub, needs no token, and lists every key to add by hand", async () => {
    const { run, outputs } = await up("dev", { registerDeployKeys: false }, {});
    expect(
      run.resources.filter(
        (r) => r.type.startsWith("github:") || r.type === "pulumi:providers:github",
      ),
    ).toEqual([]);
    const byHand = await valueOf(
      outputs["deployKeysToAddByHand"] as pulumi.Output<
        { repository: string; publicKey: string }[]
      >,
    );
    expect(byHand.map((entry) => entry.repository)).toEqual([
      "git@github.com:acme/k8s-flux.git",
      "git@github.com:acme/test-app-flux-repo.git",
    ]);
    expect(byHand.every((entry) => entry.publicKey.startsWith("ecdsa-sha2-nistp384 "))).toBe(true);
    // Flux can't use a key before someone adds it, so nothing waits for a sync to work.
    expect(annotationsOf(run, "GitRepository")).toEqual([
      ["sample-dev", { "pulumi.com/skipAwait": "true" }],
    ]);
    expect(run.k8s("FluxInstance", "flux", "flux-system").inputs["spec"].wait).toBe(false);
  });
});

describe("systemFlux.installOperator: false", () => {
  it("installs neither the operator nor its namespace, and still declares the FluxInstance", async () => {
    const { run } = await up("dev", {
      systemFlux: { repository: "git@github.com:acme/k8s-flux.git", installOperator: false },
    });
    expect(run.ofType("kubernetes:helm.sh/v4:Chart")).toEqual([]);
    expect(
      run
        .k8sObjects()
        .filter((r) => r.inputs["kind"] === "Namespace")
        .map((r) => r.inputs["metadata"].name),
    ).not.toContain("flux-system");
    const instance = run.k8s("FluxInstance", "flux", "flux-system");
    const secret = run.k8s("Secret", "flux-system", "flux-system");
    expect(instance.dependencies).toContain(secret.urn);
  });
});

describe("waitForReadiness", () => {
  it("false: every workload, Service and Flux object is applied without waiting", async () => {
    const { run } = await up("dev", { waitForReadiness: false });
    const skip = { "pulumi.com/skipAwait": "true" };
    for (const kind of [
      "Deployment",
      "Service",
      "FluxInstance",
      "GitRepository",
      "Kustomization",
    ]) {
      const found = annotationsOf(run, kind);
      expect(found.length, kind).toBeGreaterThan(0);
      expect(
        found.filter(([, annotations]) => JSON.stringify(annotations) !== JSON.stringify(skip)),
        kind,
      ).toEqual([]);
    }
  });

  it("true (the default): objects carry no annotation they did not have before", async () => {
    const { run } = await up("dev");
    expect(annotationsOf(run, "Deployment").sort()).toEqual([
      ["external-dns", null],
      ["metrics-server", null],
      ["sealed-secrets-controller", null],
    ]);
    expect(annotationsOf(run, "Service").every(([, annotations]) => annotations === null)).toBe(
      true,
    );
    expect(annotationsOf(run, "FluxInstance")).toEqual([
      ["flux", { "pulumi.com/waitFor": "condition=Ready" }],
    ]);
  });
});

describe("the local stack (Pulumi.local.yaml)", () => {
  it("needs no cloud account, no GitHub token and no New Relic license", async () => {
    const { run, outputs } = await up("local", {}, {});
    const providers = [
      ...new Set(run.resources.filter((r) => r.custom).map((r) => r.type.split(":")[0])),
    ].sort();
    expect(providers).toEqual(["kubernetes", "tls"]);
    expect(run.invocations).toEqual([]);
    const byHand = await valueOf(
      outputs["deployKeysToAddByHand"] as pulumi.Output<{ repository: string }[]>,
    );
    expect(byHand.map((entry) => entry.repository)).toEqual([
      "git@github.com:acme/k8s-flux.git",
      "git@github.com:acme/test-app-flux-repo.git",
      "git@github.com:acme/payments-flux.git",
    ]);
    expect(await valueOf(outputs["externalDnsRoleArn"] as pulumi.Output<string>)).toBe(
      "arn:aws:iam::000000000000:role/external-dns-local",
    );
  });

  it("creates both tenants, Sealed Secrets and Metrics Server, and no operator chart", async () => {
    const { run } = await up("local", {}, {});
    expect(run.ofType("kubernetes:helm.sh/v4:Chart")).toEqual([]);
    expect(
      run.resources
        .filter((r) => r.type.startsWith("k8s-flux:"))
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "app-payments-local",
      "app-payments-local-deploy-key",
      "app-sample-local",
      "app-sample-local-deploy-key",
      "external-dns",
      "metrics-server",
      "sealed-secrets",
      "system-flux",
      "system-flux-deploy-key",
    ]);
  });
});
