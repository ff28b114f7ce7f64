/**
 * The Flux Operator as this program installs it, as pure functions: the chart values that keep a
 * tenant's ResourceSets and cloud identity its own, the ServiceAccount they default to in
 * flux-system, and, when the web UI is on, the NetworkPolicy that keeps it inside flux-system.
 *
 * Read against the chart's templates/deployment.yaml, networkpolicy.yaml and
 * aggregate-clusterrole.yaml (controlplaneio-fluxcd/charts, chart 0.49.0, the newest available
 * here; the keys and defaults are the same on fluxoperator.dev for later charts) and the
 * operator's cmd/operator/main.go at v0.59.0.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { systemFluxLabels } from "./fluxInstance";

/** The Helm release; the chart names its ServiceAccount, Deployment and Service after it. */
export const OPERATOR_RELEASE = "flux-operator";

/**
 * Who the operator acts as for a ResourceSet or ResourceSetInputProvider that names no
 * ServiceAccount, and whose cloud identity a provider without one uses: this ServiceAccount of
 * the object's own namespace. Not the chart's default, `flux-operator`: that is the operator's
 * own cluster-admin account in flux-system, so every ResourceSet there would run as cluster-admin
 * without asking. In flux-system this one exists and may do nothing; in a tenant's namespace it
 * is whatever the tenant makes it, within the tenant's own rights.
 */
export const RESOURCESET_DEFAULT_SERVICE_ACCOUNT = "flux-operator-tenant";

/** The port the operator's web UI listens on (the chart's, and the operator's default). */
export const OPERATOR_WEB_UI_PORT = 9080;

/** The chart's values, as far as they differ from its defaults or matter to the tenant boundary. */
export function operatorChartValues(args: { readonly webUi: boolean }) {
  return {
    multitenancy: {
      // --default-service-account: without it a ResourceSet that names no ServiceAccount is
      // applied with the operator's own cluster-admin identity, whoever created it.
      enabled: true,
      defaultServiceAccount: RESOURCESET_DEFAULT_SERVICE_ACCOUNT,
      // --default-workload-identity-service-account: without it a ResourceSetInputProvider that
      // names no ServiceAccount calls the cloud as the operator's pod (on EKS often the node role).
      enabledForWorkloadIdentity: true,
      defaultWorkloadIdentityServiceAccount: RESOURCESET_DEFAULT_SERVICE_ACCOUNT,
    },
    web: {
      // It has no login by default, and shows every Flux object of every tenant.
      enabled: args.webUi,
      // The chart's policy admits port 9080 from every namespace; operatorWebUiNetworkPolicy
      // admits flux-system only.
      networkPolicy: { create: false },
    },
    // Left at the chart's defaults, and relied on: rbac.create binds the operator's own
    // ServiceAccount to cluster-admin, which installing Flux needs; rbac.createAggregation lets
    // namespace admins (tenants) manage ResourceSets, which the multitenancy settings above make
    // run as the tenant's own identity.
  };
}

/** The ResourceSets' default ServiceAccount in flux-system: bound to nothing, mounted nowhere. */
export function resourceSetDefaultServiceAccount(namespace: pulumi.Input<string>) {
  return {
    metadata: {
      name: RESOURCESET_DEFAULT_SERVICE_ACCOUNT,
      namespace,
      labels: systemFluxLabels(),
    },
    automountServiceAccountToken: false,
  } satisfies k8s.core.v1.ServiceAccountArgs;
}

/**
 * The web UI's port, open to pods in flux-system only. Flux's own policies there (FluxInstance
 * `cluster.networkPolicy`) admit every namespace on the metrics port 8080 only; `kubectl
 * port-forward`, which needs pods/portforward in flux-system, reaches the UI regardless.
 */
export function operatorWebUiNetworkPolicy(namespace: pulumi.Input<string>) {
  return {
    metadata: { name: `${OPERATOR_RELEASE}-web`, namespace, labels: systemFluxLabels() },
    spec: {
      // The chart's selector labels for the release.
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": OPERATOR_RELEASE,
          "app.kubernetes.io/instance": OPERATOR_RELEASE,
        },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ podSelector: {} }],
          ports: [{ protocol: "TCP", port: OPERATOR_WEB_UI_PORT }],
        },
      ],
    },
  } satisfies k8s.networking.v1.NetworkPolicyArgs;
}
