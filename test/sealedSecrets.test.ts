/**
 * SealedSecrets under mocks: a controller that kubeseal finds by its defaults, a sealing key
 * Pulumi owns and never loses, renewal off, and only the public certificate in the clear.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SealedSecrets as SealedSecretsClass } from "../components/sealedSecrets";
import { versions } from "../components/versions";
import { FAKE, type MockRun, plainInputs, type Recorded, startMockRun, valueOf } from "./harness";

const TYPES = {
  component: "k8s-flux:sealedSecrets:SealedSecrets",
  privateKey: "tls:index/privateKey:PrivateKey",
  certificate: "tls:index/selfSignedCert:SelfSignedCert",
  secret: "kubernetes:core/v1:Secret",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  service: "kubernetes:core/v1:Service",
  deployment: "kubernetes:apps/v1:Deployment",
  crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
} as const;

const CONTROLLER = "sealed-secrets-controller";
const LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "k8s-flux",
  "app.kubernetes.io/component": "sealed-secrets",
  "app.kubernetes.io/name": CONTROLLER,
};
const CONTROLLER_SUBJECT = { kind: "ServiceAccount", name: CONTROLLER, namespace: "kube-system" };

interface Built {
  run: MockRun;
  sealedSecrets: SealedSecretsClass;
}

async function build(): Promise<Built> {
  const run = await startMockRun("test");
  const { SealedSecrets } = await import("../components/sealedSecrets");
  const sealedSecrets = new SealedSecrets("sealed-secrets");
  await run.settle();
  return { run, sealedSecrets };
}

const keySecretOf = (run: MockRun): Recorded =>
  run.k8s("Secret", "sealed-secrets-key", "kube-system");
const deploymentOf = (run: MockRun): Recorded => run.k8s("Deployment", CONTROLLER, "kube-system");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const controllerContainer = (run: MockRun): any =>
  deploymentOf(run).inputs["spec"].template.spec.containers[0];

describe("the sealing key", () => {
  it("is an RSA 4096 key, protected in Pulumi state", async () => {
    const { run } = await build();
    const key = run.one(TYPES.privateKey, "sealed-secrets-key");
    expect(key.inputs).toEqual({ algorithm: "RSA", rsaBits: 4096 });
    expect(key.protect).toBe(true);
  });

  it("has a protected self-signed certificate valid for 10 years (87600h)", async () => {
    const { run } = await build();
    const certificate = run.one(TYPES.certificate, "sealed-secrets-certificate");
    expect(certificate.inputs["validityPeriodHours"]).toBe(87600);
    expect(certificate.inputs["allowedUses"]).toEqual([
      "key_encipherment",
      "data_encipherment",
      "digital_signature",
    ]);
    expect(certificate.inputs["subject"]).toEqual({
      commonName: "sealed-secret",
      organization: "sealed-secret",
    });
    expect(certificate.inputs["privateKeyPem"] === FAKE.privateKeyPem).toBe(true);
    expect(certificate.secretPaths).toEqual(["privateKeyPem"]);
    expect(certificate.protect).toBe(true);
  });

  it("is stored in kube-system as an active kubernetes.io/tls Secret, kept on delete", async () => {
    const { run } = await build();
    const secret = keySecretOf(run);
    expect(secret.name).toBe("sealed-secrets-key-secret");
    expect(secret.inputs["type"]).toBe("kubernetes.io/tls");
    expect(secret.inputs["metadata"]).toEqual({
      name: "sealed-secrets-key",
      namespace: "kube-system",
      labels: { ...LABELS, "sealedsecrets.bitnami.com/sealed-secrets-key": "active" },
    });
    const stringData = secret.inputs["stringData"] as Record<string, string>;
    expect(Object.keys(stringData).sort()).toEqual(["tls.crt", "tls.key"]);
    expect(stringData["tls.crt"]).toBe(FAKE.certPem);
    // Compared as a boolean so a failure never prints key material.
    expect(stringData["tls.key"] === FAKE.privateKeyPem).toBe(true);
    expect(secret.secretPaths).toEqual(["stringData"]);
    expect(secret.retainOnDelete).toBe(true);
  });

  it("exists before the controller starts", async () => {
    const { run } = await build();
    expect(deploymentOf(run).dependencies).toContain(keySecretOf(run).urn);
  });
});

describe("the controller", () => {
  it("runs the pinned image as a Deployment named sealed-secrets-controller in kube-system", async () => {
    const { run } = await build();
    const deployment = deploymentOf(run);
    expect(deployment.name).toBe("sealed-secrets-deployment");
    expect(deployment.inputs["metadata"]).toEqual({
      name: CONTROLLER,
      namespace: "kube-system",
      labels: LABELS,
    });
    expect(deployment.inputs["spec"].template.spec.serviceAccountName).toBe(CONTROLLER);
    const container = controllerContainer(run);
    expect(container.image).toBe(versions.sealedSecretsImage);
    expect(container.command).toEqual(["controller"]);
  });

  it("never renews the key itself", async () => {
    const { run } = await build();
    expect(controllerContainer(run).args).toEqual(["--key-renew-period=0"]);
  });

  it("restarts when the certificate changes: the pod template carries its sha256", async () => {
    const { run } = await build();
    const expected = createHash("sha256").update(FAKE.certPem).digest("hex");
    expect(deploymentOf(run).inputs["spec"].template.metadata.annotations).toEqual({
      "k8s-flux/sealing-certificate-sha256": expected,
    });
  });

  it("runs non-root with a read-only root filesystem, as user 1001", async () => {
    const { run } = await build();
    expect(controllerContainer(run).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1001,
      runAsGroup: 1001,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(controllerContainer(run).ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 8081, protocol: "TCP" },
    ]);
  });

  it("has a Service named sealed-secrets-controller on 8080 and a metrics Service on 8081", async () => {
    const { run } = await build();
    const selector = { "app.kubernetes.io/name": CONTROLLER };
    expect(run.k8s("Service", CONTROLLER, "kube-system").inputs["spec"]).toEqual({
      type: "ClusterIP",
      selector,
      ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
    });
    expect(run.k8s("Service", `${CONTROLLER}-metrics`, "kube-system").inputs["spec"]).toEqual({
      type: "ClusterIP",
      selector,
      ports: [{ name: "metrics", port: 8081, targetPort: "metrics", protocol: "TCP" }],
    });
    expect(deploymentOf(run).inputs["spec"].selector).toEqual({ matchLabels: selector });
  });

  it("runs as the sealed-secrets-controller ServiceAccount in kube-system", async () => {
    const { run } = await build();
    expect(run.k8s("ServiceAccount", CONTROLLER, "kube-system").inputs["metadata"]).toEqual({
      name: CONTROLLER,
      namespace: "kube-system",
      labels: LABELS,
    });
  });
});

describe("the SealedSecret CRD", () => {
  it("is kept in the cluster when the stack lets go of it, so no SealedSecret's Secret goes", async () => {
    const { run } = await build();
    expect(run.one(TYPES.crd, "sealed-secrets-crd").retainOnDelete).toBe(true);
  });

  it("defines bitnami.com SealedSecret, v1alpha1 served and stored, with a status subresource", async () => {
    const { run } = await build();
    const crd = run.one(TYPES.crd, "sealed-secrets-crd");
    expect(crd.inputs["metadata"].name).toBe("sealedsecrets.bitnami.com");
    const spec = crd.inputs["spec"];
    expect(spec.group).toBe("bitnami.com");
    expect(spec.scope).toBe("Namespaced");
    expect(spec.names).toEqual({
      kind: "SealedSecret",
      listKind: "SealedSecretList",
      plural: "sealedsecrets",
      singular: "sealedsecret",
    });
    expect(spec.versions).toHaveLength(1);
    const [version] = spec.versions;
    expect(version.name).toBe("v1alpha1");
    expect(version.served).toBe(true);
    expect(version.storage).toBe(true);
    expect(version.subresources).toEqual({ status: {} });
    expect(version.schema.openAPIV3Schema.properties.spec.required).toEqual(["encryptedData"]);
    expect(deploymentOf(run).dependencies).toContain(crd.urn);
  });
});

describe("RBAC", () => {
  it("gives the controller the upstream secrets-unsealer ClusterRole, bound cluster-wide", async () => {
    const { run } = await build();
    const role = run.k8s("ClusterRole", "secrets-unsealer");
    expect(role.inputs["rules"]).toEqual([
      { apiGroups: ["bitnami.com"], resources: ["sealedsecrets"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["bitnami.com"], resources: ["sealedsecrets/status"], verbs: ["update"] },
      {
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["get", "list", "create", "update", "delete", "watch"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get"] },
    ]);
    const binding = run.k8s("ClusterRoleBinding", CONTROLLER);
    expect(binding.inputs["roleRef"]).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "secrets-unsealer",
    });
    expect(binding.inputs["subjects"]).toEqual([CONTROLLER_SUBJECT]);
  });

  it("lets the controller create and list key Secrets in kube-system only", async () => {
    const { run } = await build();
    expect(run.k8s("Role", "sealed-secrets-key-admin", "kube-system").inputs["rules"]).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["create", "list"] },
    ]);
    const binding = run.k8s("RoleBinding", "sealed-secrets-key-admin", "kube-system");
    expect(binding.inputs["roleRef"]).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "sealed-secrets-key-admin",
    });
    expect(binding.inputs["subjects"]).toEqual([CONTROLLER_SUBJECT]);
  });

  it("lets every signed-in user fetch the certificate through the service proxy", async () => {
    const { run } = await build();
    const role = run.k8s("Role", "sealed-secrets-service-proxier", "kube-system");
    expect(role.inputs["rules"]).toEqual([
      { apiGroups: [""], resources: ["services"], resourceNames: [CONTROLLER], verbs: ["get"] },
      {
        apiGroups: [""],
        resources: ["services/proxy"],
        resourceNames: [`http:${CONTROLLER}:`, `http:${CONTROLLER}:http`, CONTROLLER],
        verbs: ["create", "get"],
      },
    ]);
    const binding = run.k8s("RoleBinding", "sealed-secrets-service-proxier", "kube-system");
    expect(binding.inputs["roleRef"]).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "sealed-secrets-service-proxier",
    });
    expect(binding.inputs["subjects"]).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
    ]);
  });

  it("creates exactly these RBAC objects, and the controller after all of them", async () => {
    const { run } = await build();
    const rbacTypes: string[] = [
      TYPES.clusterRole,
      TYPES.clusterRoleBinding,
      TYPES.role,
      TYPES.roleBinding,
    ];
    const rbac = run.resources.filter((r) => rbacTypes.includes(r.type));
    expect(rbac.map((r) => `${r.inputs["kind"]} ${r.inputs["metadata"].name}`).sort()).toEqual([
      "ClusterRole secrets-unsealer",
      `ClusterRoleBinding ${CONTROLLER}`,
      "Role sealed-secrets-key-admin",
      "Role sealed-secrets-service-proxier",
      "RoleBinding sealed-secrets-key-admin",
      "RoleBinding sealed-secrets-service-proxier",
    ]);
    for (const resource of rbac) {
      if (resource.inputs["kind"].startsWith("Cluster")) continue;
      expect(resource.inputs["metadata"].namespace).toBe("kube-system");
    }
    const dependencies = deploymentOf(run).dependencies;
    for (const resource of rbac) expect(dependencies).toContain(resource.urn);
  });
});

describe("outputs and secrecy", () => {
  it("exposes the certificate PEM in the clear", async () => {
    const { sealedSecrets } = await build();
    expect(await valueOf(sealedSecrets.certificate)).toBe(FAKE.certPem);
    expect(await pulumi.isSecret(sealedSecrets.certificate)).toBe(false);
  });

  it("keeps the private key secret wherever it goes", async () => {
    const { run, sealedSecrets } = await build();
    expect(await pulumi.isSecret(sealedSecrets.privateKeys)).toBe(true);
    const privateKeys = await valueOf(sealedSecrets.privateKeys);
    expect(privateKeys["sealed-secrets-key"] === FAKE.privateKeyPem).toBe(true);
    const leaks = run.resources.filter((r) => plainInputs(r).includes(FAKE.privateKeyPem.trim()));
    expect(leaks.map((r) => r.name)).toEqual([]);
  });

  it("puts everything namespaced in kube-system", async () => {
    const { run } = await build();
    const namespaces = run
      .k8sObjects()
      .filter((r) => r.inputs["metadata"].namespace !== undefined)
      .map((r) => r.inputs["metadata"].namespace);
    expect(namespaces).toHaveLength(9);
    expect(new Set(namespaces)).toEqual(new Set(["kube-system"]));
  });

  it("parents every child to the component, whose type token is k8s-flux:sealedSecrets:SealedSecrets", async () => {
    const { run } = await build();
    const component = run.one(TYPES.component, "sealed-secrets");
    expect(component.custom).toBe(false);
    const children = run.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => r.name).sort()).toEqual([
      "sealed-secrets-certificate",
      "sealed-secrets-crd",
      "sealed-secrets-deployment",
      "sealed-secrets-key",
      "sealed-secrets-key-admin",
      "sealed-secrets-key-admin-binding",
      "sealed-secrets-key-secret",
      "sealed-secrets-metrics-service",
      "sealed-secrets-service",
      "sealed-secrets-service-proxier",
      "sealed-secrets-service-proxier-binding",
      "sealed-secrets-serviceaccount",
      "sealed-secrets-unsealer",
      "sealed-secrets-unsealer-binding",
    ]);
    expect(run.resources.filter((r) => r.urn !== component.urn)).toHaveLength(children.length);
  });
});
