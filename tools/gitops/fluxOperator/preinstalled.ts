/**
 * The "pre-installed operator" that `systemFlux.installOperator: false` counts on, made on the local
 * control plane: what the operator's Helm chart would have installed, with the values the program
 * itself installs the chart with (components/systemFlux/operator.ts), so that the lockdown a
 * platform team must keep when it manages the operator elsewhere is the one the local environment
 * runs.
 *
 * - The operator's CRDs, from its module's config/crd/bases (the chart ships the same files).
 * - The flux-system namespace, which the chart does not create.
 * - The chart's RBAC, as compared with chart 0.49.0's templates serviceaccount.yaml,
 *   admin-clusterrole.yaml and aggregate-clusterrole.yaml (the pinned 0.59.0 chart's templates
 *   could not be read here: it is published to an OCI registry this machine cannot reach): the
 *   operator's ServiceAccount bound to cluster-admin, and ResourceSet rights aggregated into the
 *   built-in admin, edit and view roles, so every tenant may create ResourceSets in its
 *   namespaces (`rbac.createAggregation`, default).
 * - The ServiceAccount a tenant's ResourceSet defaults to in flux-system, bound to nothing.
 * - The operator's Deployment, which the process runner runs (runConfig.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  operatorChartValues,
  resourceSetDefaultServiceAccount,
} from "../../../components/systemFlux/operator";
import type { KubeApi } from "../../kube/api";
import { applyInOrder, formatRejection, waitForEstablished } from "../../kube/apply";
import type { Manifest } from "../../kube/manifest";
import { GitOpsError } from "../errors";
import {
  fluxOperatorDeployment,
  type FluxOperatorChartValues,
  OPERATOR_NAME,
  OPERATOR_NAMESPACE,
} from "./runConfig";

const OPERATOR_GROUP = "fluxcd.controlplane.io";
const RBAC_GROUP = "rbac.authorization.k8s.io";
const RESOURCESET_RESOURCES = ["resourcesets", "resourcesetinputproviders"];

/** The chart values the program installs the operator with; the web UI stays off locally. */
export const PREINSTALLED_OPERATOR_VALUES: FluxOperatorChartValues = operatorChartValues({
  webUi: false,
});

/**
 * Every CRD in the YAML files of a directory, in file order: the operator's own CRDs, and those
 * in the Flux distributions it bundles beside their controllers' other objects.
 */
export function crdsInDirectory(dir: string): Manifest[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), "utf8"))
        .map((document) => document.toJS() as Manifest | null)
        .filter((manifest): manifest is Manifest => manifest?.kind === "CustomResourceDefinition"),
    );
}

/** The operator's CRDs as its module carries them. */
export function fluxOperatorCrds(moduleDir: string): Manifest[] {
  return crdsInDirectory(join(moduleDir, "config", "crd", "bases"));
}

/** The chart's ServiceAccount, its cluster-admin binding and the aggregation into admin/edit/view. */
export function fluxOperatorChartRbac(): Manifest[] {
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: OPERATOR_NAME, namespace: OPERATOR_NAMESPACE },
    },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "ClusterRoleBinding",
      metadata: { name: OPERATOR_NAME },
      roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "cluster-admin" },
      subjects: [{ kind: "ServiceAccount", name: OPERATOR_NAME, namespace: OPERATOR_NAMESPACE }],
    },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "ClusterRole",
      metadata: {
        name: `${OPERATOR_NAME}-edit`,
        labels: {
          [`${RBAC_GROUP}/aggregate-to-edit`]: "true",
          [`${RBAC_GROUP}/aggregate-to-admin`]: "true",
        },
      },
      rules: [
        {
          apiGroups: [OPERATOR_GROUP],
          resources: RESOURCESET_RESOURCES,
          verbs: ["create", "delete", "deletecollection", "patch", "update"],
        },
      ],
    },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "ClusterRole",
      metadata: {
        name: `${OPERATOR_NAME}-view`,
        labels: {
          [`${RBAC_GROUP}/aggregate-to-admin`]: "true",
          [`${RBAC_GROUP}/aggregate-to-edit`]: "true",
          [`${RBAC_GROUP}/aggregate-to-view`]: "true",
        },
      },
      rules: [
        {
          apiGroups: [OPERATOR_GROUP],
          resources: RESOURCESET_RESOURCES,
          verbs: ["get", "list", "watch"],
        },
      ],
    },
  ];
}

/** Everything, in apply order: CRDs, namespace, RBAC, the default account, the Deployment. */
export function preinstalledOperatorObjects(moduleDir: string): Manifest[] {
  const defaultAccount = resourceSetDefaultServiceAccount(OPERATOR_NAMESPACE);
  return [
    ...fluxOperatorCrds(moduleDir),
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: OPERATOR_NAMESPACE,
        labels: { "app.kubernetes.io/part-of": "k8s-flux-local" },
      },
    },
    ...fluxOperatorChartRbac(),
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      ...defaultAccount,
      metadata: { ...defaultAccount.metadata, namespace: OPERATOR_NAMESPACE },
    },
    // Spread: an object literal's type, unlike the Deployment interface, fits Manifest.
    { ...fluxOperatorDeployment(PREINSTALLED_OPERATOR_VALUES) },
  ];
}

/** Applies them all; the CRDs are Established before anything else is applied. */
export async function preinstallFluxOperator(api: KubeApi, moduleDir: string): Promise<void> {
  const objects = preinstalledOperatorObjects(moduleDir);
  const result = await applyInOrder(api, objects);
  if (result.rejections.length > 0) {
    throw new GitOpsError(
      `the pre-installed Flux Operator's objects were refused: ${result.rejections.map(formatRejection).join("; ")}`,
    );
  }
  for (const crd of objects.filter((object) => object.kind === "CustomResourceDefinition")) {
    await waitForEstablished(api, crd.metadata.name);
  }
}
