/**
 * What the hostile tenant `mallory` tries, one commit each (fixtures/repositories/mallory/attempts),
 * and how each must end. Whatever the outcome, the stage also checks, without knowing these names,
 * that nothing outside the tenant's namespaces was created or applied, that everything its
 * Kustomization applied is in its namespace, and that no Kustomization or ResourceSet it made is
 * ever Ready.
 */

/** Who the tenant's Kustomization acts as: its ServiceAccount in `mallory-flux`. */
const TENANT_ACCOUNT = /system:serviceaccount:mallory-flux:flux-reconciler/;

/** The admission policy on the tenant's namespaces that refuses dependencies elsewhere. */
const FOREIGN_DEPENDENCIES_POLICY =
  /ValidatingAdmissionPolicy 'k8s-flux-mallory-no-foreign-dependencies'/;
const FOREIGN_DEPENDENCIES_REFUSAL =
  /spec\.dependsOn may name only objects in the object's own namespace/;

export type AttemptOutcome =
  /** The tenant's Kustomization fails at the commit; its Ready message names the refusal. */
  | { readonly kind: "refused"; readonly message: readonly RegExp[] }
  /** Applied, but the object lands in the tenant's namespace instead of the one it names. */
  | {
      readonly kind: "neutralised";
      readonly object: {
        readonly apiVersion: string;
        readonly kind: string;
        readonly name: string;
        readonly namedNamespace: string;
      };
    }
  /**
   * Applied into the tenant's namespace, where the object it created (a Kustomization, a
   * ResourceSet) is refused: its Ready message names the refusal, and it never becomes Ready.
   */
  | {
      readonly kind: "refused further in";
      readonly object: { readonly kind: "Kustomization" | "ResourceSet"; readonly name: string };
      readonly message: readonly RegExp[];
    };

export interface HostileAttempt {
  /** The folder under mallory/attempts, laid over mallory/base. */
  readonly folder: string;
  readonly title: string;
  readonly outcome: AttemptOutcome;
  /**
   * Requests the tenant's own web server must have seen: a remote base was fetched, so what
   * stopped it was the lockdown, not an unreachable host.
   */
  readonly reaches?: readonly RegExp[];
}

export const ATTEMPTS: readonly HostileAttempt[] = [
  {
    folder: "cluster-admin-binding",
    title: "a ClusterRoleBinding to cluster-admin",
    outcome: {
      kind: "refused",
      message: [/ClusterRoleBinding\/mallory-cluster-admin/, /forbidden/i, TENANT_ACCOUNT],
    },
  },
  {
    folder: "namespace",
    title: "a Namespace",
    outcome: {
      kind: "refused",
      message: [/Namespace\//, /forbidden/i, /namespaces/, TENANT_ACCOUNT],
    },
  },
  {
    folder: "kube-system-object",
    title: "an object that names kube-system",
    outcome: {
      kind: "neutralised",
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "coredns",
        namedNamespace: "kube-system",
      },
    },
  },
  {
    folder: "nested-flux-system-source",
    title: "a nested Kustomization whose sourceRef is in flux-system",
    outcome: {
      kind: "refused further in",
      object: { kind: "Kustomization", name: "borrowed-platform-source" },
      message: [/cross-namespace references have been blocked/],
    },
  },
  {
    folder: "nested-foreign-account",
    title: "a nested Kustomization with the serviceAccountName of an account in another namespace",
    outcome: {
      kind: "refused further in",
      object: { kind: "Kustomization", name: "escalation-as-controller" },
      message: [/forbidden/i, /system:serviceaccount:mallory:kustomize-controller/],
    },
  },
  {
    folder: "remote-git-base",
    title: "a remote base (a git repository over HTTP)",
    // kustomize clones it (the lockdown does not stop the fetch), then may not read the clone,
    // which lies outside the source's directory.
    outcome: { kind: "refused", message: [/kustomize build failed/, /is not in or below/] },
    reaches: [/^GET \/escalation\.git\/info\/refs\?service=git-upload-pack$/],
  },
  {
    folder: "remote-file",
    title: "a remote base (a plain file over HTTP) naming kube-system",
    outcome: {
      kind: "neutralised",
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "dns-override",
        namedNamespace: "kube-system",
      },
    },
    // kustomize fetches a remote file itself, whatever --no-remote-bases says; what holds the
    // tenant is where its content lands.
    reaches: [/^GET \/files\/dns-override\.yaml$/],
  },
  {
    folder: "resourceset",
    title: "a Flux Operator ResourceSet whose template is a ClusterRoleBinding",
    outcome: {
      kind: "refused further in",
      object: { kind: "ResourceSet", name: "mallory-escalation" },
      message: [/forbidden/i, /system:serviceaccount:mallory:flux-operator-tenant/],
    },
  },
  {
    folder: "nested-foreign-dependency",
    title: "a nested Kustomization that depends on flux-system's, with a readyExpr to read it by",
    // kustomize-controller reads a dependency in any namespace with its own client; the tenant's
    // admission policy refuses the object before it exists.
    outcome: {
      kind: "refused",
      message: [/platform-oracle/, FOREIGN_DEPENDENCIES_POLICY, FOREIGN_DEPENDENCIES_REFUSAL],
    },
  },
  {
    folder: "resourceset-foreign-dependency",
    title:
      "a ResourceSet that depends on another tenant's ConfigMap, with a readyExpr to read it by",
    // The operator reads it with its own cluster-admin client, whatever the ResourceSet runs as.
    outcome: {
      kind: "refused",
      message: [/storefront-oracle/, FOREIGN_DEPENDENCIES_POLICY, FOREIGN_DEPENDENCIES_REFUSAL],
    },
  },
  {
    folder: "nested-kubeconfig-token-file",
    title: "a nested Kustomization whose kubeconfig reads the controller's own token file",
    outcome: {
      kind: "refused further in",
      object: { kind: "Kustomization", name: "escalation-through-token-file" },
      message: [
        /controller-token-file/,
        /references a tokenFile, only an inline token is supported/,
      ],
    },
  },
  {
    folder: "generator-token-file",
    title: "a configMapGenerator reading the controller's own token file",
    outcome: {
      kind: "refused",
      message: [
        /kustomize build failed/,
        /\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/token/,
        /is not in or below/,
      ],
    },
  },
];
