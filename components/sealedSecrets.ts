import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { sealedSecretCrdSpec } from "./sealedSecretsCrd";
import {
  createSealingKey,
  DEFAULT_SEALING_KEY,
  newestCertificate,
  type SealingKeyPair,
  type SealingKeyRequest,
} from "./sealingKeys";
import { PLATFORM_NAMESPACES } from "./shared/namespaces";
import { roleRef } from "./shared/rbac";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "./shared/workloads";
import { awaitMetadata } from "./shared/readiness";
import { versions } from "./versions";

export interface SealedSecretsArgs {
  /**
   * Sealing keys by name, oldest first; each is also its Secret's name. Defaults to the one key
   * `sealed-secrets-key`. Every key listed decrypts; the newest certificate seals.
   */
  readonly keys?: readonly SealingKeyRequest[];
  /** Whether `pulumi up` waits for the workload to become ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

/** kubeseal looks for the controller here by default; moving it breaks `kubeseal` for everyone. */
const SEALED_SECRETS_NAMESPACE = PLATFORM_NAMESPACES.kubeSystem;
export const SEALED_SECRETS_CONTROLLER = "sealed-secrets-controller";
const CERT_HASH_ANNOTATION = "k8s-flux/sealing-certificate-sha256";

const defaults = {
  keys: [{ name: DEFAULT_SEALING_KEY, retiring: false }],
  runAsUser: 1001,
  httpPort: 8080,
  metricsPort: 8081,
} as const;

/**
 * The Sealed Secrets controller with sealing keys that Pulumi owns: keys and certificates live
 * in Pulumi state (protected), so a rebuilt cluster gets the same keys back and every
 * SealedSecret in git still decrypts. Automatic renewal is off; rotation is a new key name.
 */
export class SealedSecrets extends pulumi.ComponentResource {
  /** The certificate new secrets are sealed with (PEM): the newest key's. Public. */
  public readonly certificate: pulumi.Output<string>;
  /** Every key's certificate by key name, retiring ones included. Public. */
  public readonly certificates: pulumi.Output<Record<string, string>>;
  /** Every key by name (PEM), always a Pulumi secret. */
  public readonly privateKeys: pulumi.Output<Record<string, string>>;
  /** Names of keys whose removal this run prepares; the next run deletes them. */
  public readonly retiringKeys: readonly string[];

  constructor(name: string, args: SealedSecretsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:sealedSecrets:SealedSecrets", name, {}, opts);

    const namespace = SEALED_SECRETS_NAMESPACE;
    const labels = standardLabels("sealed-secrets", {
      "app.kubernetes.io/name": SEALED_SECRETS_CONTROLLER,
    });
    const selector = { "app.kubernetes.io/name": SEALED_SECRETS_CONTROLLER };
    const notWaiting = awaitMetadata(args.waitForReadiness ?? true);

    const requests = args.keys ?? defaults.keys;
    if (!requests.some((key) => !key.retiring)) {
      throw new Error(`SealedSecrets ${name}: at least one key must stay; all are retiring`);
    }
    const keys = requests.map((request) =>
      createSealingKey(name, request, { namespace, labels }, this),
    );
    const sealingCandidates = keys.filter((key) => !key.retiring);
    this.certificate = pulumi
      .all(sealingCandidates.map((key) => pulumi.all([key.certificate, key.validFrom])))
      .apply((pairs) =>
        newestCertificate(pairs.map(([certificate, validFrom]) => ({ certificate, validFrom }))),
      );
    const byName = (pick: (key: SealingKeyPair) => pulumi.Output<string>) =>
      pulumi
        .all(keys.map((key) => pick(key)))
        .apply((values) => Object.fromEntries(keys.map((key, i) => [key.name, values[i] ?? ""])));
    this.certificates = byName((key) => key.certificate);
    this.privateKeys = pulumi.secret(byName((key) => key.privateKey));
    this.retiringKeys = keys.filter((key) => key.retiring).map((key) => key.name);

    const crd = new k8s.apiextensions.v1.CustomResourceDefinition(
      `${name}-crd`,
      { metadata: { name: "sealedsecrets.bitnami.com", labels }, spec: sealedSecretCrdSpec },
      // Deleting the CRD deletes every SealedSecret, and Kubernetes then garbage-collects every
      // Secret they own: switching Sealed Secrets off must not take applications' Secrets along.
      { parent: this, retainOnDelete: true },
    );

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      { metadata: { name: SEALED_SECRETS_CONTROLLER, namespace, labels } },
      { parent: this },
    );
    const subject = { kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace };
    const rbac = this.createRbac(name, labels, subject);

    const http = { name: "http", port: defaults.httpPort };
    const metrics = { name: "metrics", port: defaults.metricsPort };
    const services = [
      { suffix: "service", serviceName: SEALED_SECRETS_CONTROLLER, port: http },
      {
        suffix: "metrics-service",
        serviceName: `${SEALED_SECRETS_CONTROLLER}-metrics`,
        port: metrics,
      },
    ].map(
      ({ suffix, serviceName, port }) =>
        new k8s.core.v1.Service(
          `${name}-${suffix}`,
          {
            metadata: { name: serviceName, namespace, labels, ...notWaiting },
            spec: {
              type: "ClusterIP",
              selector,
              ports: [{ name: port.name, port: port.port, targetPort: port.name, protocol: "TCP" }],
            },
          },
          { parent: this },
        ),
    );

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: SEALED_SECRETS_CONTROLLER, namespace, labels, ...notWaiting },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels,
              // The controller reads keys only at start-up: a new key must restart it.
              annotations: { [CERT_HASH_ANNOTATION]: certificatesHash(keys) },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              securityContext: restrictedPodSecurityContext(65534),
              containers: [
                {
                  name: "controller",
                  image: versions.sealedSecretsImage,
                  command: ["controller"],
                  // Pulumi owns the key; a controller-made key would win and never be backed up.
                  args: ["--key-renew-period=0"],
                  ports: [
                    { name: http.name, containerPort: http.port, protocol: "TCP" },
                    { name: metrics.name, containerPort: metrics.port, protocol: "TCP" },
                  ],
                  livenessProbe: { httpGet: { path: "/healthz", port: http.name } },
                  readinessProbe: { httpGet: { path: "/healthz", port: http.name } },
                  securityContext: restrictedContainerSecurityContext(defaults.runAsUser),
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { cpu: "500m", memory: "256Mi" },
                  },
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: {} }],
            },
          },
        },
      },
      { parent: this, dependsOn: [...keys.map((key) => key.secret), crd, ...rbac, ...services] },
    );

    this.registerOutputs({
      certificate: this.certificate,
      certificates: this.certificates,
      privateKeys: this.privateKeys,
      retiringKeys: this.retiringKeys,
    });
  }

  private createRbac(
    name: string,
    labels: Record<string, string>,
    subject: k8s.types.input.rbac.v1.Subject,
  ): pulumi.Resource[] {
    const namespace = SEALED_SECRETS_NAMESPACE;
    const opts = { parent: this };
    const unsealer = new k8s.rbac.v1.ClusterRole(
      `${name}-unsealer`,
      {
        metadata: { name: "secrets-unsealer", labels },
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
      },
      opts,
    );
    const keyAdmin = new k8s.rbac.v1.Role(
      `${name}-key-admin`,
      {
        metadata: { name: "sealed-secrets-key-admin", namespace, labels },
        rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create", "list"] }],
      },
      opts,
    );
    const serviceProxier = new k8s.rbac.v1.Role(
      `${name}-service-proxier`,
      {
        metadata: { name: "sealed-secrets-service-proxier", namespace, labels },
        rules: [
          {
            apiGroups: [""],
            resources: ["services"],
            resourceNames: [SEALED_SECRETS_CONTROLLER],
            verbs: ["get"],
          },
          {
            apiGroups: [""],
            resources: ["services/proxy"],
            // kubeseal proxies to the service by name, with an empty or a named port.
            resourceNames: [
              `http:${SEALED_SECRETS_CONTROLLER}:`,
              `http:${SEALED_SECRETS_CONTROLLER}:http`,
              SEALED_SECRETS_CONTROLLER,
            ],
            verbs: ["create", "get"],
          },
        ],
      },
      opts,
    );
    return [
      unsealer,
      keyAdmin,
      serviceProxier,
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-unsealer-binding`,
        {
          metadata: { name: SEALED_SECRETS_CONTROLLER, labels },
          roleRef: roleRef("ClusterRole", unsealer.metadata.name),
          subjects: [subject],
        },
        opts,
      ),
      new k8s.rbac.v1.RoleBinding(
        `${name}-key-admin-binding`,
        {
          metadata: { name: "sealed-secrets-key-admin", namespace, labels },
          roleRef: roleRef("Role", keyAdmin.metadata.name),
          subjects: [subject],
        },
        opts,
      ),
      // Lets any signed-in user run `kubeseal --fetch-cert` through the API server proxy.
      new k8s.rbac.v1.RoleBinding(
        `${name}-service-proxier-binding`,
        {
          metadata: { name: "sealed-secrets-service-proxier", namespace, labels },
          roleRef: roleRef("Role", serviceProxier.metadata.name),
          subjects: [
            { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
          ],
        },
        opts,
      ),
    ];
  }
}

/**
 * One hash over the certificates of the keys the controller should load, in list order. The
 * default key alone hashes its certificate exactly as before keys had names, so existing stacks
 * see no restart.
 */
function certificatesHash(keys: readonly SealingKeyPair[]): pulumi.Output<string> {
  return pulumi
    .all(keys.filter((key) => !key.retiring).map((key) => key.certificate))
    .apply((pems) => createHash("sha256").update(pems.join("")).digest("hex"));
}
