/**
 * Every Kubernetes object the program creates, in both committed stacks and with every option
 * switched on, validated against the upstream OpenAPI models from the kubernetes-models packages.
 */
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { SealedSecret } from "@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1";
import Ajv from "ajv";
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1";
import { APIService } from "kubernetes-models/apiregistration.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import {
  LimitRange,
  Namespace,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { toManifest } from "../tools/render/manifest";
import { type Inputs, type MockRun, runStack } from "./harness";

interface Validatable {
  validate(): void;
}
type Validator = (manifest: Inputs) => void;

/**
 * Wraps an upstream model class. The kubernetes-models packages ship ES-module-only type
 * declarations that this CommonJS project's resolver cannot follow, so the class is typed here.
 */
function validatorFor(model: unknown): Validator {
  const Model = model as new (data: Inputs) => Validatable;
  return (manifest) => new Model(manifest).validate();
}

/** The upstream model for each apiVersion/kind the program may create. */
const validators: Record<string, Validator> = {
  "v1/Namespace": validatorFor(Namespace),
  "v1/ServiceAccount": validatorFor(ServiceAccount),
  "v1/Secret": validatorFor(Secret),
  "v1/Service": validatorFor(Service),
  "v1/ResourceQuota": validatorFor(ResourceQuota),
  "v1/LimitRange": validatorFor(LimitRange),
  "networking.k8s.io/v1/NetworkPolicy": validatorFor(NetworkPolicy),
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy":
    validatorFor(ValidatingAdmissionPolicy),
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": validatorFor(
    ValidatingAdmissionPolicyBinding,
  ),
  "apps/v1/Deployment": validatorFor(Deployment),
  "rbac.authorization.k8s.io/v1/ClusterRole": validatorFor(ClusterRole),
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": validatorFor(ClusterRoleBinding),
  "rbac.authorization.k8s.io/v1/Role": validatorFor(Role),
  "rbac.authorization.k8s.io/v1/RoleBinding": validatorFor(RoleBinding),
  "apiextensions.k8s.io/v1/CustomResourceDefinition": validatorFor(CustomResourceDefinition),
  "apiregistration.k8s.io/v1/APIService": validatorFor(APIService),
  "source.toolkit.fluxcd.io/v1/GitRepository": validatorFor(GitRepository),
  "kustomize.toolkit.fluxcd.io/v1/Kustomization": validatorFor(Kustomization),
};

/**
 * No npm package models the Flux Operator's FluxInstance, so this test fixture (ours, written
 * from the operator's API reference) checks the fields the operator requires and the name and
 * namespace it insists on.
 */
const fluxInstanceFixtureSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  properties: {
    apiVersion: { const: "fluxcd.controlplane.io/v1" },
    kind: { const: "FluxInstance" },
    metadata: {
      type: "object",
      required: ["name", "namespace"],
      properties: { name: { const: "flux" }, namespace: { const: "flux-system" } },
    },
    spec: {
      type: "object",
      required: ["distribution"],
      additionalProperties: false,
      properties: {
        wait: { type: "boolean" },
        distribution: {
          type: "object",
          required: ["version", "registry"],
          additionalProperties: false,
          properties: {
            version: { type: "string", pattern: "^2\\.[0-9]+\\.(x|[0-9]+)$" },
            registry: { type: "string", minLength: 1 },
            artifact: { type: "string" },
          },
        },
        components: {
          type: "array",
          uniqueItems: true,
          items: {
            enum: [
              "source-controller",
              "kustomize-controller",
              "helm-controller",
              "notification-controller",
              "image-reflector-controller",
              "image-automation-controller",
            ],
          },
        },
        cluster: {
          type: "object",
          additionalProperties: false,
          properties: {
            type: { enum: ["kubernetes", "openshift", "aws", "azure", "gcp"] },
            multitenant: { type: "boolean" },
            objectLevelWorkloadIdentity: { type: "boolean" },
            multitenantWorkloadIdentity: { type: "boolean" },
            networkPolicy: { type: "boolean" },
            domain: { type: "string" },
            tenantDefaultServiceAccount: { type: "string" },
            tenantDefaultDecryptionServiceAccount: { type: "string" },
            tenantDefaultKubeConfigServiceAccount: { type: "string" },
          },
        },
        sync: {
          type: "object",
          required: ["kind", "url", "ref", "path"],
          additionalProperties: false,
          properties: {
            kind: { enum: ["GitRepository", "OCIRepository", "Bucket"] },
            url: { type: "string", pattern: "^(ssh|https)://" },
            ref: { type: "string", pattern: "^refs/" },
            path: { type: "string" },
            interval: { type: "string" },
            pullSecret: { type: "string" },
          },
        },
      },
    },
  },
};

// Formats (byte, int64, date-time) are checked by the upstream models; the fixture schemas check shape.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validateFluxInstance = ajv.compile(fluxInstanceFixtureSchema);

/** The stack's registrations, with `settings` replaced and the fake secrets set. */
async function objectsOf(stack: string, settings: Record<string, unknown> = {}): Promise<MockRun> {
  return (await runStack(stack, { settings })).run;
}

/** Validates every object; returns `kind/name: problem` lines (empty when all pass). */
function rejections(run: MockRun): string[] {
  return run.k8sObjects().flatMap((resource) => {
    const manifest = toManifest(resource.inputs);
    const label = `${manifest["kind"]}/${manifest["metadata"]?.name}`;
    if (manifest["kind"] === "FluxInstance") {
      return validateFluxInstance(manifest)
        ? []
        : [`${label}: ${ajv.errorsText(validateFluxInstance.errors)}`];
    }
    const validate = validators[`${manifest["apiVersion"]}/${manifest["kind"]}`];
    if (!validate) return [`${label}: no upstream model for ${manifest["apiVersion"]}`];
    try {
      validate(manifest);
      return [];
    } catch (error) {
      return [`${label}: ${(error as Error).message}`];
    }
  });
}

describe("every Kubernetes object validates against the upstream schemas", () => {
  it("in the dev stack", async () => {
    const run = await objectsOf("dev");
    expect(run.k8sObjects().length).toBeGreaterThan(30);
    expect(rejections(run)).toEqual([]);
  });

  it("in the prod stack", async () => {
    const run = await objectsOf("prod");
    expect(rejections(run)).toEqual([]);
  });

  it("with every identity mode and option switched on", async () => {
    for (const externalDns of [
      { identity: "pod-identity", hostedZoneIds: ["Z0123456789ABCDEFGHIJ"] },
      {
        identity: "kube2iam",
        allZones: true,
        nodeRoleArn: "arn:aws:iam::123456789012:role/nodes",
        annotationPrefix: "external-dns.alpha.kubernetes.io/",
      },
    ]) {
      const run = await objectsOf("dev", {
        externalDns,
        systemFlux: {
          repository: "ssh://git@github.com/acme/k8s-flux.git",
          imageAutomation: true,
          operatorWebUi: true,
        },
        applications: [
          {
            name: "sample-dev",
            repository: "git@github.com:acme/test-app-flux-repo.git",
            resourceQuota: { "requests.cpu": "4", "count/deployments.apps": 20 },
            limitRange: { default: { memory: "512Mi" }, defaultRequest: { cpu: "100m" } },
            networkPolicy: true,
            dnsDomains: ["sample.example.com"],
          },
        ],
        newrelic: { enabled: true },
      });
      expect(rejections(run)).toEqual([]);
    }
  });

  it("catches a broken object, so a pass means something", async () => {
    const run = await objectsOf("dev");
    const deployment = run.k8s("Deployment", "external-dns", "external-dns");
    const broken = structuredClone(deployment.inputs);
    broken["spec"].template.spec.containers[0].ports[0].containerPort = "http";
    expect(() => validatorFor(Deployment)(toManifest(broken))).toThrow(/containerPort/);
    const instance = toManifest(run.k8s("FluxInstance", "flux", "flux-system").inputs);
    expect(
      validateFluxInstance({ ...instance, metadata: { name: "other", namespace: "flux-system" } }),
    ).toBe(false);
  });
});

describe("the SealedSecret CRD we install", () => {
  const sealedSecret = {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    metadata: { name: "db", namespace: "shop" },
    spec: {
      encryptedData: { password: "AgBy3i4OJSWK+PiTySYZZA==" },
      template: { metadata: { name: "db", namespace: "shop" }, type: "Opaque" },
    },
  };

  it("accepts what the upstream SealedSecret model accepts, and rejects what it rejects", async () => {
    const { sealedSecretCrdSpec } = await import("../components/sealedSecrets/crd");
    const version = toManifest(sealedSecretCrdSpec as Inputs)["versions"][0];
    const crdSchema = ajv.compile(version.schema.openAPIV3Schema);

    expect(() => validatorFor(SealedSecret)(sealedSecret)).not.toThrow();
    expect(crdSchema(sealedSecret)).toBe(true);

    const withoutData = { ...sealedSecret, spec: { template: sealedSecret.spec.template } };
    expect(() => validatorFor(SealedSecret)(withoutData)).toThrow();
    expect(crdSchema(withoutData)).toBe(false);
  });
});
