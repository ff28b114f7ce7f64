/**
 * The Sealed Secrets controller's objects, as upstream's manifest defines them, as pure
 * functions of plain values (and of the names of objects created before them): its RBAC, its
 * two Services and its Deployment.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PLATFORM_NAMESPACES } from "../shared/namespaces";
import { roleRef } from "../shared/rbac";
import { awaitMetadata } from "../shared/readiness";
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  standardLabels,
} from "../shared/workloads";
import { versions } from "../versions";

/** kubeseal looks for the controller here by default; moving it breaks `kubeseal` for everyone. */
export const SEALED_SECRETS_NAMESPACE = PLATFORM_NAMESPACES.kubeSystem;
/** kubeseal's default controller name: the Service, Deployment and ServiceAccount are all so named. */
export const SEALED_SECRETS_CONTROLLER = "sealed-secrets-controller";
const SELECTOR = { "app.kubernetes.io/name": SEALED_SECRETS_CONTROLLER };
/** Labels on every object of the controller, its key Secrets included. */
export const SEALED_SECRETS_LABELS = standardLabels("sealed-secrets", SELECTOR);
const CERT_HASH_ANNOTATION = "k8s-flux/sealing-certificate-sha256";
/** `<key>=<uid>` of each key Secret the controller loads: a Secret made anew restarts it. */
export const KEY_SECRET_UIDS_ANNOTATION = "k8s-flux/sealing-key-secret-uids";
const RUN_AS_USER = 1001;
const PORTS = {
  http: { name: "http", port: 8080 },
  metrics: { name: "metrics", port: 8081 },
} as const;

type Subject = k8s.types.input.rbac.v1.Subject;
const metadata = { namespace: SEALED_SECRETS_NAMESPACE, labels: SEALED_SECRETS_LABELS };

export function controllerServiceAccount() {
  return {
    metadata: { name: SEALED_SECRETS_CONTROLLER, ...metadata },
  } satisfies k8s.core.v1.ServiceAccountArgs;
}

/** The ServiceAccount as a binding's subject. */
export function controllerSubject(serviceAccountName: pulumi.Input<string>): Subject {
  return { kind: "ServiceAccount", name: serviceAccountName, namespace: SEALED_SECRETS_NAMESPACE };
}

/** Unsealing anywhere: read SealedSecrets, write their status and the Secrets they make. */
export function unsealerRole() {
  return {
    metadata: { name: "secrets-unsealer", labels: SEALED_SECRETS_LABELS },
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
  } satisfies k8s.rbac.v1.ClusterRoleArgs;
}

/**
 * SealedSecrets are what an application's repository holds instead of Secrets, so whoever may
 * manage Secrets in a namespace through the built-in `admin` or `edit` role may manage them too:
 * a tenant's Flux account holds `admin` in its workload namespace only. Unsealing stays bound to
 * the namespace (and name) a secret was sealed for; only a cluster-wide sealed secret opens in
 * any namespace, which is what that scope means. `view` is left out: nothing needs it.
 */
export function sealedSecretsEditorRole() {
  return {
    metadata: {
      name: "sealed-secrets-edit",
      labels: {
        ...SEALED_SECRETS_LABELS,
        "rbac.authorization.k8s.io/aggregate-to-admin": "true",
        "rbac.authorization.k8s.io/aggregate-to-edit": "true",
      },
    },
    rules: [
      {
        apiGroups: ["bitnami.com"],
        resources: ["sealedsecrets"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"],
      },
    ],
  } satisfies k8s.rbac.v1.ClusterRoleArgs;
}

/** Creating and listing key Secrets, in its own namespace only. */
export function keyAdminRole() {
  return {
    metadata: { name: "sealed-secrets-key-admin", ...metadata },
    rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create", "list"] }],
  } satisfies k8s.rbac.v1.RoleArgs;
}

/** `kubeseal --fetch-cert` through the API server's proxy to the controller's Service. */
export function serviceProxierRole() {
  return {
    metadata: { name: "sealed-secrets-service-proxier", ...metadata },
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
  } satisfies k8s.rbac.v1.RoleArgs;
}

export function unsealerBinding(subject: Subject, roleName: pulumi.Input<string>) {
  return {
    metadata: { name: SEALED_SECRETS_CONTROLLER, labels: SEALED_SECRETS_LABELS },
    roleRef: roleRef("ClusterRole", roleName),
    subjects: [subject],
  } satisfies k8s.rbac.v1.ClusterRoleBindingArgs;
}

export function keyAdminBinding(subject: Subject, roleName: pulumi.Input<string>) {
  return {
    metadata: { name: "sealed-secrets-key-admin", ...metadata },
    roleRef: roleRef("Role", roleName),
    subjects: [subject],
  } satisfies k8s.rbac.v1.RoleBindingArgs;
}

/** Lets any signed-in user run `kubeseal --fetch-cert`. */
export function serviceProxierBinding(roleName: pulumi.Input<string>) {
  return {
    metadata: { name: "sealed-secrets-service-proxier", ...metadata },
    roleRef: roleRef("Role", roleName),
    subjects: [
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" },
    ],
  } satisfies k8s.rbac.v1.RoleBindingArgs;
}

/** The controller's Services: `sealed-secrets-controller` (http) and `-metrics`. */
export function controllerServices(waitForReadiness: boolean) {
  return [
    { role: "service", name: SEALED_SECRETS_CONTROLLER, port: PORTS.http },
    { role: "metrics-service", name: `${SEALED_SECRETS_CONTROLLER}-metrics`, port: PORTS.metrics },
  ].map(({ role, name, port }) => ({
    role,
    args: {
      metadata: { name, ...metadata, ...awaitMetadata(waitForReadiness) },
      spec: {
        type: "ClusterIP",
        selector: SELECTOR,
        ports: [{ name: port.name, port: port.port, targetPort: port.name, protocol: "TCP" }],
      },
    } satisfies k8s.core.v1.ServiceArgs,
  }));
}

/**
 * The controller's flags.
 * - No renewal: Pulumi owns the keys; a controller-made key would win and never be backed up.
 * - A key prefix no Secret can be named (a name cannot end in `-`): 0.40 loads the Secret named
 *   exactly its prefix whatever its label (pkg/controller/main.go, initKeyRegistry), so with the
 *   default prefix a retired `sealed-secrets-key` would keep decrypting. Keys are then found by
 *   their `active` label only. The prefix still names any key the controller generates itself.
 */
export const CONTROLLER_ARGS = [
  "--key-renew-period=0",
  "--key-prefix=controller-generated-sealing-key-",
] as const;

export function controllerDeployment(args: {
  readonly serviceAccountName: pulumi.Input<string>;
  /** Changes whenever the set of keys does: the controller reads keys only at start-up. */
  readonly certificatesHash: pulumi.Input<string>;
  /**
   * Changes whenever a key Secret is created anew, say after someone deleted it by hand, though
   * it holds the same key: a controller that started while it was missing loads it only when it
   * starts again.
   */
  readonly keySecretUids: pulumi.Input<string>;
  readonly waitForReadiness: boolean;
}) {
  return {
    metadata: {
      name: SEALED_SECRETS_CONTROLLER,
      ...metadata,
      ...awaitMetadata(args.waitForReadiness),
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: SELECTOR },
      template: {
        metadata: {
          labels: SEALED_SECRETS_LABELS,
          annotations: {
            [CERT_HASH_ANNOTATION]: args.certificatesHash,
            [KEY_SECRET_UIDS_ANNOTATION]: args.keySecretUids,
          },
        },
        spec: {
          serviceAccountName: args.serviceAccountName,
          securityContext: restrictedPodSecurityContext(65534),
          containers: [
            {
              name: "controller",
              image: versions.sealedSecretsImage,
              command: ["controller"],
              args: [...CONTROLLER_ARGS],
              ports: [
                { name: PORTS.http.name, containerPort: PORTS.http.port, protocol: "TCP" },
                { name: PORTS.metrics.name, containerPort: PORTS.metrics.port, protocol: "TCP" },
              ],
              livenessProbe: { httpGet: { path: "/healthz", port: PORTS.http.name } },
              readinessProbe: { httpGet: { path: "/healthz", port: PORTS.http.name } },
              securityContext: restrictedContainerSecurityContext(RUN_AS_USER),
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
  } satisfies k8s.apps.v1.DeploymentArgs;
}
