/**
 * No application takes over a namespace that exists and is not this stack's. The pinned
 * Kubernetes provider adopts an existing namespace when it creates one: the tenant would be given
 * rights there (`admin` in `<app>`), its Pod Security labels would replace the namespace's, and
 * removing the application would delete the namespace with everything in it.
 *
 * A namespace is this stack's when it carries this stack's ownership label (which the components
 * put on every namespace they create), or when its application is one the last deployment of
 * this stack created (which covers namespaces created before the label existed). Applications of
 * the last deployment are not looked up at all.
 */
import {
  currentStack,
  STACK_OWNERSHIP_LABEL,
  stackOwnershipValue,
} from "../components/shared/ownership";
import { tenantNamespaces } from "../components/applicationFlux/tenancy";
import type { ExistingNamespace, NamespaceLookup } from "./clusterNamespaces";
import { quoted, settingKey } from "./quoting";

/** What the rule reads of each application: its name, in config order. */
export interface GuardedApplication {
  readonly name: string;
}

/** The namespaces to look up: those of every application the last deployment did not create. */
export function namespacesToCheck(
  applications: readonly GuardedApplication[],
  deployedApplications: ReadonlySet<string>,
): string[] {
  return applications
    .filter(({ name }) => !deployedApplications.has(name))
    .flatMap(({ name }) => {
      const { workloads, flux } = tenantNamespaces(name);
      return [workloads, flux];
    });
}

/** One problem line per namespace an application would take over, naming its config key. */
export function takeoverProblems(args: {
  readonly applications: readonly GuardedApplication[];
  readonly deployedApplications: ReadonlySet<string>;
  readonly existing: readonly ExistingNamespace[];
  /** This stack's ownership label value. */
  readonly owner: string;
}): string[] {
  const existing = new Map(args.existing.map((namespace) => [namespace.name, namespace]));
  return args.applications.flatMap(({ name }, index) => {
    if (args.deployedApplications.has(name)) return [];
    const { workloads, flux } = tenantNamespaces(name);
    return [workloads, flux].flatMap((namespaceName) => {
      const namespace = existing.get(namespaceName);
      const label = namespace?.labels[STACK_OWNERSHIP_LABEL];
      if (namespace === undefined || label === args.owner) return [];
      const whose =
        label === undefined
          ? `it has no ${STACK_OWNERSHIP_LABEL} label, and this stack's last deployment did not create application ${quoted(name)}`
          : `its ${STACK_OWNERSHIP_LABEL} label is ${quoted(label)}, another stack's; this stack's is ${quoted(args.owner)}`;
      const relabel = `kubectl label namespace ${namespaceName} ${STACK_OWNERSHIP_LABEL}=${args.owner}${label === undefined ? "" : " --overwrite"}`;
      return [
        `${settingKey(["applications", index, "name"])}: namespace ${quoted(namespaceName)} already exists and is not this stack's (${whose}). The application would take it over: the tenant would be given rights there, its Pod Security labels would replace the namespace's, and removing the application would delete the namespace with everything in it. Expected an application name whose namespaces (${quoted(workloads)} and ${quoted(flux)}) do not exist; if this namespace is meant to become this application's, hand it over deliberately with "${relabel}" and run pulumi up again`,
      ];
    });
  });
}

/** What the guard concluded: problems to refuse the update with, or a warning to print. */
export interface GuardResult {
  readonly problems: readonly string[];
  /** Set when the cluster could not be asked during a preview, which changes nothing. */
  readonly warning?: string;
}

/**
 * Looks up the namespaces the applications would create and judges them. When the cluster
 * cannot be asked, an update stops before changing anything; a preview only warns, so that a
 * stack can be previewed before its cluster exists or while it cannot be reached: the update
 * that follows checks again.
 */
export async function guardNamespaces(args: {
  readonly applications: readonly GuardedApplication[];
  readonly deployedApplications: ReadonlySet<string>;
  readonly lookUp: NamespaceLookup;
  readonly preview: boolean;
  readonly owner?: string;
}): Promise<GuardResult> {
  const names = namespacesToCheck(args.applications, args.deployedApplications);
  if (names.length === 0) return { problems: [] };
  const answer = await args.lookUp(names);
  if (!answer.answered) {
    const listed = names.map((name) => quoted(name)).join(", ");
    if (args.preview) {
      return {
        problems: [],
        warning: `Namespace check skipped in this preview: ${answer.reason}. pulumi up checks, before changing anything, that none of the applications' namespaces (${listed}) exists unless it is this stack's, and stops if the cluster cannot be reached then.`,
      };
    }
    throw new ClusterCheckError(
      `${answer.reason}. Before creating the applications' namespaces (${listed}), pulumi up checks that none of them exists unless it is this stack's, so that no application takes over a namespace it does not own. Expected the cluster to be reachable with the kubeconfig the Kubernetes provider uses (kubernetes:kubeconfig, else KUBECONFIG, else ~/.kube/config; kubernetes:context, else the current context); if it is reached through a proxy, give the cluster entry a proxy-url.`,
    );
  }
  return {
    problems: takeoverProblems({
      applications: args.applications,
      deployedApplications: args.deployedApplications,
      existing: answer.existing,
      owner: args.owner ?? stackOwnershipValue(currentStack()),
    }),
  };
}

/** The cluster could not be checked before an update: nothing was changed. */
export class ClusterCheckError extends Error {
  constructor(reason: string) {
    super(`Could not check the cluster (nothing was changed): ${reason}`);
    this.name = "ClusterCheckError";
  }
}
