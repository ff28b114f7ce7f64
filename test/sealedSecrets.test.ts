/**
 * SealedSecrets: the controller's objects as pure builders (upstream's RBAC, Services and
 * Deployment), and under mocks a controller that kubeseal finds by its defaults, a sealing key
 * Pulumi owns and never loses, renewal off, and only the public certificate in the clear.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SealedSecrets as SealedSecretsClass } from "../components/sealedSecrets";
import type { SealingKeyRequest } from "../components/sealedSecrets/sealingKeys";
import {
  CONTROLLER_ARGS,
  controllerDeployment,
  controllerServiceAccount,
  controllerServices,
  controllerSubject,
  keyAdminBinding,
  keyAdminRole,
  serviceProxierBinding,
  serviceProxierRole,
  unsealerBinding,
  unsealerRole,
} from "../components/sealedSecrets/manifests";
import { versions } from "../components/versions";
import {
  FAKE,
  type MockRun,
  type MockRunOptions,
  plainInputs,
  type Recorded,
  startMockRun,
  thrownMessage,
  valueOf,
} from "./harness";

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
const IN_KUBE_SYSTEM = { namespace: "kube-system", labels: LABELS };
const CONTROLLER_SUBJECT = { kind: "ServiceAccount", name: CONTROLLER, namespace: "kube-system" };
const roleRef = (kind: string, name: string) => ({
  apiGroup: "rbac.authorization.k8s.io",
  kind,
  name,
});

describe("the controller's RBAC", () => {
  it("is the upstream secrets-unsealer ClusterRole, bound cluster-wide to the controller", () => {
    expect(unsealerRole()).toEqual({
      metadata: { name: "secrets-unsealer", labels: LABELS },
      rules: [
        {
          apiGroups: ["bitnami.com"],
          resources: ["sealedsecrets"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["bitnami.com"], resources: ["sealedsecrets/status"], verbs: ["update"] },
        {
          apiGroups: [""],
          resources: ["secrets"],
          verbs: ["get", "list", "create", "update", "delete", "watch"],
        },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: [""], resources: ["namespaces"], verbs: ["get"] },
      ],
    });
    expect(unsealerBinding(CONTROLLER_SUBJECT, "secrets-unsealer")).toEqual({
      metadata: { name: CONTROLLER, labels: LABELS },
      roleRef: roleRef("ClusterRole", "secrets-unsealer"),
      subjects: [CONTROLLER_SUBJECT],
    });
  });

  it("lets the controller create and list key Secrets in kube-system only", () => {
    expect(keyAdminRole()).toEqual({
      metadata: { name: "sealed-secrets-key-admin", ...IN_KUBE_SYSTEM },
      rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create", "list"] }],
    });
    expect(keyAdminBinding(CONTROLLER_SUBJECT, "sealed-secrets-key-admin")).toEqual({
      metadata: { name: "sealed-secrets-key-admin", ...IN_KUBE_SYSTEM },
      roleRef: roleRef("Role", "sealed-secrets-key-admin"),
      subjects: [CONTROLLER_SUBJECT],
    });
  });

  it("lets every signed-in user fetch the certificate through the service proxy", () => {
    expect(serviceProxierRole()).toEqual({
      metadata: { name: "sealed-secrets-service-proxier", ...IN_KUBE_SYSTEM },
      rules: [
        { apiGroups: [""], resources: ["services"], resourceNames: [CONTROLLER], verbs: ["get"] },
        {
          apiGroups: [""],
          resources: ["services/proxy"],
          resourceNames: [`http:${CONTROLLER}:`, `http:${CONTROLLER}:http`, CONTROLLER],
          verbs: ["create", "get"],
        },
      ],
    });
    expect(serviceProxierBinding("sealed-secrets-service-proxier")).toEqual({
      metadata: { name: "sealed-secrets-service-proxier", ...IN_KUBE_SYSTEM },
      roleRef: roleRef("Role", "sealed-secrets-service-proxier"),
      subjects: [
        { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
      ],
    });
  });

  it("names the controller's ServiceAccount as kubeseal expects it, in kube-system", () => {
    expect(controllerServiceAccount()).toEqual({
      metadata: { name: CONTROLLER, ...IN_KUBE_SYSTEM },
    });
    expect(controllerSubject(CONTROLLER)).toEqual(CONTROLLER_SUBJECT);
  });
});

describe("the controller's workload", () => {
  const deployment = (waitForReadiness = true) =>
    controllerDeployment({
      serviceAccountName: CONTROLLER,
      certificatesHash: "0123abcd",
      keySecretUids: "sealed-secrets-key=5f0c7d2e-3b1a-4c8e-9d6f-2a4b6c8e0f12",
      waitForReadiness,
    });

  it("has a Service named sealed-secrets-controller on 8080 and a metrics Service on 8081", () => {
    const selector = { "app.kubernetes.io/name": CONTROLLER };
    expect(controllerServices(true)).toEqual([
      {
        role: "service",
        args: {
          metadata: { name: CONTROLLER, ...IN_KUBE_SYSTEM },
          spec: {
            type: "ClusterIP",
            selector,
            ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
          },
        },
      },
      {
        role: "metrics-service",
        args: {
          metadata: { name: `${CONTROLLER}-metrics`, ...IN_KUBE_SYSTEM },
          spec: {
            type: "ClusterIP",
            selector,
            ports: [{ name: "metrics", port: 8081, targetPort: "metrics", protocol: "TCP" }],
          },
        },
      },
    ]);
    expect(deployment().spec.selector).toEqual({ matchLabels: selector });
  });

  it("runs the pinned image as the controller's ServiceAccount, one replica, never renewing keys", () => {
    const { metadata, spec } = deployment();
    expect(metadata).toEqual({ name: CONTROLLER, ...IN_KUBE_SYSTEM });
    expect(spec.replicas).toBe(1);
    expect(spec.template.spec.serviceAccountName).toBe(CONTROLLER);
    const [container] = spec.template.spec.containers;
    expect(container?.image).toBe(versions.sealedSecretsImage);
    expect(container?.command).toEqual(["controller"]);
    expect(container?.args).toEqual([
      "--key-renew-period=0",
      "--key-prefix=controller-generated-sealing-key-",
    ]);
    expect(container?.livenessProbe).toEqual({ httpGet: { path: "/healthz", port: "http" } });
    expect(container?.readinessProbe).toEqual({ httpGet: { path: "/healthz", port: "http" } });
    expect(container?.resources).toEqual({
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    });
  });

  it("restarts when the keys or their Secrets change: the pod template carries the certificates' hash and the Secrets' uids", () => {
    expect(deployment().spec.template.metadata).toEqual({
      labels: LABELS,
      annotations: {
        "k8s-flux/sealing-certificate-sha256": "0123abcd",
        "k8s-flux/sealing-key-secret-uids":
          "sealed-secrets-key=5f0c7d2e-3b1a-4c8e-9d6f-2a4b6c8e0f12",
      },
    });
  });

  it("runs non-root with a read-only root filesystem, as user 1001", () => {
    const pod = deployment().spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      fsGroup: 65534,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1001,
      runAsGroup: 1001,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers[0]?.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 8081, protocol: "TCP" },
    ]);
    expect(pod.containers[0]?.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
  });

  it("tells Pulumi not to wait for the Services and Deployment only when asked", () => {
    const skip = { "pulumi.com/skipAwait": "true" };
    expect(deployment(false).metadata.annotations).toEqual(skip);
    expect(controllerServices(false).map((s) => s.args.metadata.annotations)).toEqual([skip, skip]);
    expect("annotations" in deployment(true).metadata).toBe(false);
  });
});

interface Built {
  run: MockRun;
  sealedSecrets: SealedSecretsClass;
}

async function build(
  keys?: readonly (string | SealingKeyRequest)[],
  options: MockRunOptions = {},
): Promise<Built> {
  const run = await startMockRun("test", {}, [], options);
  const { SealedSecrets } = await import("../components/sealedSecrets");
  const sealedSecrets = new SealedSecrets("sealed-secrets", keys === undefined ? {} : { keys });
  await run.settle();
  return { run, sealedSecrets };
}

const keySecretOf = (run: MockRun): Recorded =>
  run.k8s("Secret", "sealed-secrets-key", "kube-system");
const deploymentOf = (run: MockRun): Recorded =>
  run.one(TYPES.deployment, "sealed-secrets-deployment");
const annotationsOf = (run: MockRun): Record<string, string> =>
  deploymentOf(run).inputs["spec"].template.metadata.annotations;

describe("the controller's key prefix", () => {
  // The 0.40 controller loads the Secret named exactly its prefix whatever its label. Our prefix
  // must therefore never be the name of a Secret, so only labelled keys are ever loaded.
  const prefix = CONTROLLER_ARGS.find((arg) => arg.startsWith("--key-prefix="))?.split("=")[1];
  const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

  it("cannot be the name of any Secret, so a retiring key is really unloaded", () => {
    expect(prefix).toBe("controller-generated-sealing-key-");
    expect(DNS_SUBDOMAIN.test(prefix ?? "")).toBe(false);
    expect(DNS_SUBDOMAIN.test("sealed-secrets-key")).toBe(true);
  });

  it("passes the controller's own prefix check (lower-case letters, digits and dashes)", () => {
    expect(prefix).toMatch(/^[a-z0-9-]{1,245}$/);
  });
});

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
    const key = FAKE.privateKeyPem("sealed-secrets-key");
    expect(certificate.inputs["privateKeyPem"] === key).toBe(true);
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
    expect(stringData["tls.key"] === FAKE.privateKeyPem("sealed-secrets-key")).toBe(true);
    expect(secret.secretPaths).toEqual(["stringData"]);
    expect(secret.retainOnDelete).toBe(true);
  });

  it("takes key names alone as keys in use, one protected key and Secret each", async () => {
    const { run, sealedSecrets } = await build(["key-2026-11", "key-2027-05"]);
    expect(
      run
        .ofType(TYPES.secret)
        .map((r) => [r.name, r.inputs["metadata"].name, r.protect, r.retainOnDelete])
        .sort(),
    ).toEqual([
      ["sealed-secrets-keys-key-2026-11-secret", "key-2026-11", false, true],
      ["sealed-secrets-keys-key-2027-05-secret", "key-2027-05", false, true],
    ]);
    expect(run.ofType(TYPES.privateKey).every((key) => key.protect)).toBe(true);
    // Each Secret and certificate holds its own key's private half, never the other key's.
    for (const [name, other] of [
      ["key-2026-11", "key-2027-05"],
      ["key-2027-05", "key-2026-11"],
    ] as const) {
      const own = FAKE.privateKeyPem(`sealed-secrets-keys-${name}-private`);
      const others = FAKE.privateKeyPem(`sealed-secrets-keys-${other}-private`);
      const tlsKey = run.one(TYPES.secret, `sealed-secrets-keys-${name}-secret`).inputs[
        "stringData"
      ]["tls.key"] as string;
      const signedWith = run.one(TYPES.certificate, `sealed-secrets-keys-${name}-certificate`)
        .inputs["privateKeyPem"] as string;
      expect([tlsKey === own, tlsKey === others, signedWith === own], name).toEqual([
        true,
        false,
        true,
      ]);
    }
    expect(sealedSecrets.retiringKeys).toEqual([]);
  });

  it("refuses a list with no key that stays, before creating any key", async () => {
    const run = await startMockRun("test");
    const { SealedSecrets } = await import("../components/sealedSecrets");
    expect(
      await thrownMessage(
        () =>
          new SealedSecrets("sealed-secrets", {
            keys: [{ name: "sealed-secrets-key", retiring: true }],
          }),
      ),
    ).toBe(
      "SealedSecrets sealed-secrets: keys has no key that stays (all are retiring); expected at least one key that is not retiring",
    );
    expect(await thrownMessage(() => new SealedSecrets("empty", { keys: [] }))).toBe(
      "SealedSecrets empty: keys has no key that stays (it is empty); expected at least one key that is not retiring",
    );
    await run.settle();
    expect(run.resources.map((r) => r.type)).toEqual([TYPES.component, TYPES.component]);
  });
});

describe("SealedSecrets", () => {
  it("starts the controller after its keys, the CRD, every RBAC object and both Services", async () => {
    const { run } = await build();
    const dependencies = deploymentOf(run).dependencies;
    const before = [
      keySecretOf(run),
      run.one(TYPES.crd, "sealed-secrets-crd"),
      // The editor role is for tenants, not the controller, which needs nothing of it.
      ...run.ofType(TYPES.clusterRole).filter((role) => role.name !== "sealed-secrets-editor"),
      ...run.ofType(TYPES.clusterRoleBinding),
      ...run.ofType(TYPES.role),
      ...run.ofType(TYPES.roleBinding),
      ...run.ofType(TYPES.service),
    ];
    expect(before).toHaveLength(10);
    for (const resource of before) expect(dependencies).toContain(resource.urn);
  });

  it("binds the ServiceAccount it created to the roles it created, by their names", async () => {
    const { run } = await build();
    const serviceAccount = run.one(TYPES.serviceAccount, "sealed-secrets-serviceaccount");
    for (const [binding, role] of [
      [
        run.one(TYPES.clusterRoleBinding, "sealed-secrets-unsealer-binding"),
        run.one(TYPES.clusterRole, "sealed-secrets-unsealer"),
      ],
      [
        run.one(TYPES.roleBinding, "sealed-secrets-key-admin-binding"),
        run.one(TYPES.role, "sealed-secrets-key-admin"),
      ],
    ] as const) {
      expect(binding.inputs["subjects"]).toEqual([CONTROLLER_SUBJECT]);
      expect(binding.dependencies).toContain(serviceAccount.urn);
      expect(binding.dependencies).toContain(role.urn);
    }
    expect(deploymentOf(run).inputs["spec"].template.spec.serviceAccountName).toBe(CONTROLLER);
  });

  it("puts the sealing certificate's hash and its Secret's uid into the pod template", async () => {
    const { run } = await build();
    expect(annotationsOf(run)).toEqual({
      "k8s-flux/sealing-certificate-sha256": createHash("sha256")
        .update(FAKE.certPem)
        .digest("hex"),
      "k8s-flux/sealing-key-secret-uids": `sealed-secrets-key=${FAKE.uid(TYPES.secret, "sealed-secrets-key-secret")}`,
    });
  });

  it("leaves the pod template as it was when nothing changed, so a plain update restarts nothing", async () => {
    const first = annotationsOf((await build()).run);
    expect(annotationsOf((await build()).run)).toEqual(first);
  });

  it("restarts the controller when a key Secret was created anew with the same key: only its uid differs", async () => {
    const before = annotationsOf((await build()).run);
    // What the API server answers after the refresh found the Secret gone and the update made it.
    const recreated = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70";
    const { run } = await build(undefined, {
      providerState: (type, name) =>
        type === TYPES.secret && name === "sealed-secrets-key-secret"
          ? { metadata: { name: "sealed-secrets-key", namespace: "kube-system", uid: recreated } }
          : undefined,
    });
    const after = annotationsOf(run);
    expect(after["k8s-flux/sealing-certificate-sha256"]).toBe(
      before["k8s-flux/sealing-certificate-sha256"],
    );
    expect(after["k8s-flux/sealing-key-secret-uids"]).toBe(`sealed-secrets-key=${recreated}`);
    expect(before["k8s-flux/sealing-key-secret-uids"]).not.toBe(
      after["k8s-flux/sealing-key-secret-uids"],
    );
  });

  it("lists the uid of each key Secret the controller loads, in list order, leaving out a retiring key", async () => {
    const uid = (key: string) => FAKE.uid(TYPES.secret, `sealed-secrets-keys-${key}-secret`);
    const { run } = await build([
      { name: "key-2026-11", retiring: true },
      "key-2027-05",
      "key-2027-11",
    ]);
    expect(annotationsOf(run)["k8s-flux/sealing-key-secret-uids"]).toBe(
      `key-2027-05=${uid("key-2027-05")},key-2027-11=${uid("key-2027-11")}`,
    );
  });

  it("keeps the SealedSecret CRD in the cluster when the stack lets go of it", async () => {
    const { run } = await build();
    const crd = run.one(TYPES.crd, "sealed-secrets-crd");
    expect(crd.retainOnDelete).toBe(true);
    expect(crd.inputs["metadata"]).toEqual({ name: "sealedsecrets.bitnami.com", labels: LABELS });
    expect(crd.inputs["spec"].names.kind).toBe("SealedSecret");
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

  it("exposes the certificate PEM in the clear", async () => {
    const { sealedSecrets } = await build();
    expect(await valueOf(sealedSecrets.certificate)).toBe(FAKE.certPem);
    expect(await pulumi.isSecret(sealedSecrets.certificate)).toBe(false);
    expect(await valueOf(sealedSecrets.certificates)).toEqual({
      "sealed-secrets-key": FAKE.certPem,
    });
  });

  it("keeps the private key secret wherever it goes", async () => {
    const { run, sealedSecrets } = await build();
    expect(await pulumi.isSecret(sealedSecrets.privateKeys)).toBe(true);
    const privateKeys = await valueOf(sealedSecrets.privateKeys);
    expect(privateKeys["sealed-secrets-key"] === FAKE.privateKeyPem("sealed-secrets-key")).toBe(
      true,
    );
    const leaks = run.resources.filter((r) => plainInputs(r).includes(FAKE.privateKeyMark));
    expect(leaks.map((r) => r.name)).toEqual([]);
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
      "sealed-secrets-editor",
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
