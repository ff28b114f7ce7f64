import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { argumentError, componentLabel } from "../shared/errors";
import { sealedSecretCrdSpec } from "./crd";
import { sealedSecretsDefaults } from "./defaults";
import {
  controllerDeployment,
  controllerServiceAccount,
  controllerServices,
  controllerSubject,
  keyAdminBinding,
  keyAdminRole,
  SEALED_SECRETS_LABELS,
  sealedSecretsEditorRole,
  SEALED_SECRETS_NAMESPACE,
  serviceProxierBinding,
  serviceProxierRole,
  unsealerBinding,
  unsealerRole,
} from "./manifests";
import {
  createSealingKey,
  newestCertificate,
  type SealingKeyPair,
  type SealingKeyRequest,
} from "./sealingKeys";

export interface SealedSecretsArgs {
  /**
   * Sealing keys by name, oldest first; each is also its Secret's name in kube-system. A name
   * alone is a key in use. Every key listed decrypts; the newest certificate seals. Defaults to
   * the one key `sealed-secrets-key`.
   */
  readonly keys?: readonly (string | SealingKeyRequest)[];
  /** Whether `pulumi up` waits for the workload to become ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

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

    const requests = (args.keys ?? sealedSecretsDefaults.keys).map((key) =>
      typeof key === "string" ? { name: key, retiring: false } : key,
    );
    if (!requests.some((key) => !key.retiring)) {
      throw argumentError(
        this,
        componentLabel("SealedSecrets", name),
        "keys",
        `has no key that stays (${requests.length === 0 ? "it is empty" : "all are retiring"}); expected at least one key that is not retiring`,
      );
    }
    const waitForReadiness = args.waitForReadiness ?? sealedSecretsDefaults.waitForReadiness;
    const secretArgs = { namespace: SEALED_SECRETS_NAMESPACE, labels: SEALED_SECRETS_LABELS };
    const keys = requests.map((request) => createSealingKey(name, request, secretArgs, this));
    const sealingCandidates = loadedKeys(keys);
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
      {
        metadata: { name: "sealedsecrets.bitnami.com", labels: SEALED_SECRETS_LABELS },
        spec: sealedSecretCrdSpec,
      },
      // Deleting the CRD deletes every SealedSecret, and Kubernetes then garbage-collects every
      // Secret they own: switching Sealed Secrets off must not take applications' Secrets along.
      { parent: this, retainOnDelete: true },
    );

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-serviceaccount`,
      controllerServiceAccount(),
      { parent: this },
    );
    const rbac = this.createRbac(name, controllerSubject(serviceAccount.metadata.name));
    const services = controllerServices(waitForReadiness).map(
      ({ role, args: serviceArgs }) =>
        new k8s.core.v1.Service(`${name}-${role}`, serviceArgs, { parent: this }),
    );

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      controllerDeployment({
        serviceAccountName: serviceAccount.metadata.name,
        certificatesHash: certificatesHash(keys),
        keySecretUids: keySecretUids(keys),
        waitForReadiness,
      }),
      { parent: this, dependsOn: [...keys.map((key) => key.secret), crd, ...rbac, ...services] },
    );

    this.registerOutputs({
      certificate: this.certificate,
      certificates: this.certificates,
      privateKeys: this.privateKeys,
      retiringKeys: this.retiringKeys,
    });
  }

  /** The controller's roles and their bindings; the controller starts after all of them. */
  private createRbac(name: string, subject: k8s.types.input.rbac.v1.Subject): pulumi.Resource[] {
    const opts = { parent: this };
    const unsealer = new k8s.rbac.v1.ClusterRole(`${name}-unsealer`, unsealerRole(), opts);
    new k8s.rbac.v1.ClusterRole(`${name}-editor`, sealedSecretsEditorRole(), opts);
    const keyAdmin = new k8s.rbac.v1.Role(`${name}-key-admin`, keyAdminRole(), opts);
    const serviceProxier = new k8s.rbac.v1.Role(
      `${name}-service-proxier`,
      serviceProxierRole(),
      opts,
    );
    return [
      unsealer,
      keyAdmin,
      serviceProxier,
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-unsealer-binding`,
        unsealerBinding(subject, unsealer.metadata.name),
        opts,
      ),
      new k8s.rbac.v1.RoleBinding(
        `${name}-key-admin-binding`,
        keyAdminBinding(subject, keyAdmin.metadata.name),
        opts,
      ),
      new k8s.rbac.v1.RoleBinding(
        `${name}-service-proxier-binding`,
        serviceProxierBinding(serviceProxier.metadata.name),
        opts,
      ),
    ];
  }
}

/** The keys the controller should load: every key but those being removed. */
const loadedKeys = (keys: readonly SealingKeyPair[]): SealingKeyPair[] =>
  keys.filter((key) => !key.retiring);

/**
 * One hash over the certificates of the keys the controller should load, in list order. The
 * default key alone hashes its certificate exactly as before keys had names.
 */
function certificatesHash(keys: readonly SealingKeyPair[]): pulumi.Output<string> {
  return pulumi
    .all(loadedKeys(keys).map((key) => key.certificate))
    .apply((pems) => createHash("sha256").update(pems.join("")).digest("hex"));
}

/**
 * `<name>=<uid>` for each Secret of a key the controller should load, in list order. The API
 * server gives an object a new uid only when it is created, so this stays the same from one
 * update to the next, and changes when a refresh found a key Secret gone and the update created
 * it again.
 */
function keySecretUids(keys: readonly SealingKeyPair[]): pulumi.Output<string> {
  const loaded = loadedKeys(keys);
  return pulumi
    .all(loaded.map((key) => key.secret.metadata.uid))
    .apply((uids) => loaded.map((key, i) => `${key.name}=${uids[i] ?? ""}`).join(","));
}
