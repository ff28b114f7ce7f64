/**
 * A platform team's own Pulumi program, using the components as a library: nothing is read from
 * `k8s-flux:` config, every setting is an argument (with the component's defaults for the rest),
 * and values come from the team's other resources and stacks. CI type-checks this file, and
 * test/library.test.ts runs it under mocks (underMocks.ts) from an installed package, importing
 * "k8s-flux/components" instead of "../../../components"; it is not deployed.
 */
import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ApplicationFlux,
  ExternalDns,
  MetricsServer,
  SealedSecrets,
  SystemFlux,
} from "../../../components";

// The cluster is the network team's: its name, OIDC provider and kubeconfig come from their stack.
const eks = new pulumi.StackReference("acme/eks/prod");
const fromEks = (name: string): pulumi.Output<string> =>
  eks.requireOutput(name).apply((value: unknown) => String(value));
const clusterName = fromEks("clusterName");

// Providers reach every child as Pulumi passes them: deploy keys on github.com are registered
// with the GitHub provider for the repositories' owner.
const opts: pulumi.ComponentResourceOptions = {
  providers: [
    new k8s.Provider("prod-eks", { kubeconfig: fromEks("kubeconfig") }),
    new github.Provider("github-acme", { owner: "acme" }),
  ],
};

const zone = new aws.route53.Zone("apps", { name: "apps.example.com" });

const dns = new ExternalDns(
  "external-dns",
  {
    txtOwnerId: clusterName,
    domainFilters: ["apps.example.com"],
    hostedZoneIds: [zone.zoneId],
    identity: { mode: "irsa", oidcProviderArn: fromEks("oidcProviderArn") },
  },
  opts,
);

const systemFlux = new SystemFlux(
  "system-flux",
  {
    source: { repository: "git@github.com:acme/platform.git", path: "./clusters/prod" },
    clusterName,
  },
  opts,
);

const payments = new ApplicationFlux(
  "payments",
  {
    source: { repository: "git@github.com:acme/payments-flux.git", path: "./deploy/prod" },
    clusterName,
    fluxInstance: systemFlux.fluxInstance,
    podSecurity: "restricted",
  },
  opts,
);

const sealedSecrets = new SealedSecrets("sealed-secrets", {}, opts);
new MetricsServer("metrics-server", {}, opts);

export const externalDnsRoleArn = dns.roleArn;
export const paymentsNamespace = payments.workloadNamespace;
export const paymentsPublicKey = payments.deployKey.publicKey;
export const sealingCertificate = sealedSecrets.certificate;
