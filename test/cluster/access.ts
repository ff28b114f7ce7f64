/**
 * Asking the API server's authorizer what a ServiceAccount may do: SubjectAccessReviews for
 * plain verb checks, and real requests sent as the ServiceAccount where the answer depends on
 * more than one verb (RBAC's escalation check on bindings and roles).
 */
import { type KubeApi, type KubeResponse, statusMessage } from "../../tools/kube/api";
import { type Cell, CLUSTER_WIDE } from "./matrix";

/** A ServiceAccount's user name, as the API server authenticates it. */
export const serviceAccountUser = (namespace: string, name: string): string =>
  `system:serviceaccount:${namespace}:${name}`;

/** The groups the API server gives every token of a ServiceAccount in `namespace`. */
export const serviceAccountGroups = (namespace: string): string[] => [
  "system:serviceaccounts",
  `system:serviceaccounts:${namespace}`,
  "system:authenticated",
];

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export const describeServiceAccount = (account: ServiceAccountRef): string =>
  `${account.namespace}/${account.name}`;

/** One question for the authorizer. */
export interface Question {
  readonly verb: string;
  /** `""` for the core group. */
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  /** A namespace; undefined asks about cluster-scoped resources or all namespaces at once. */
  readonly namespace?: string;
  readonly name?: string;
}

/** `apps/deployments`, `secrets`, `bitnami.com/sealedsecrets/status`, `clusterroles cluster-admin` */
export function resourceLabel(question: Question): string {
  const path = [question.group, question.resource, question.subresource].filter(Boolean).join("/");
  return question.name ? `${path} ${question.name}` : path;
}

/** Asks with a SubjectAccessReview whether the ServiceAccount may do it. */
export async function reviewAccess(
  admin: KubeApi,
  account: ServiceAccountRef,
  question: Question,
): Promise<boolean> {
  const response = await admin.post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SubjectAccessReview",
    spec: {
      user: serviceAccountUser(account.namespace, account.name),
      groups: serviceAccountGroups(account.namespace),
      resourceAttributes: {
        verb: question.verb,
        group: question.group,
        resource: question.resource,
        ...(question.subresource ? { subresource: question.subresource } : {}),
        ...(question.namespace ? { namespace: question.namespace } : {}),
        ...(question.name ? { name: question.name } : {}),
      },
    },
  });
  if (response.status !== 201) {
    throw new Error(`SubjectAccessReview failed: ${response.status} ${statusMessage(response)}`);
  }
  return (response.body as { status?: { allowed?: boolean } }).status?.allowed === true;
}

/** Reviews every question and returns the matrix cells, expecting `expected` for all. */
export async function reviewCells(
  admin: KubeApi,
  account: ServiceAccountRef,
  asked: readonly Question[],
  expected: boolean,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  // A few at a time: each review is its own TLS connection to a server on a shared machine.
  for (let start = 0; start < asked.length; start += REVIEWS_AT_ONCE) {
    const batch = asked.slice(start, start + REVIEWS_AT_ONCE);
    const answers = await Promise.all(batch.map((q) => reviewAccess(admin, account, q)));
    cells.push(
      ...batch.map((question, index) => ({
        subject: describeServiceAccount(account),
        verb: question.verb,
        resource: resourceLabel(question),
        namespace: question.namespace ?? CLUSTER_WIDE,
        expected,
        actual: answers[index] === true,
        checkedBy: "review" as const,
      })),
    );
  }
  return cells;
}

const REVIEWS_AT_ONCE = 8;

/** Questions for every combination of verbs, resources and namespaces. */
export function questions(
  verbs: readonly string[],
  resources: readonly { readonly group: string; readonly resource: string }[],
  namespaces: readonly (string | undefined)[],
): Question[] {
  return namespaces.flatMap((namespace) =>
    resources.flatMap((resource) =>
      verbs.map((verb) => ({ verb, ...resource, ...(namespace ? { namespace } : {}) })),
    ),
  );
}

/** The admin client acting as the ServiceAccount, for real requests. */
export function actingAs(admin: KubeApi, account: ServiceAccountRef): KubeApi {
  return admin.as({ user: serviceAccountUser(account.namespace, account.name) });
}

/** A matrix cell from a real request: allowed when the server answered 2xx. */
export function requestCell(
  account: ServiceAccountRef,
  verb: string,
  resource: string,
  namespace: string | undefined,
  expected: boolean,
  response: KubeResponse,
): Cell {
  const actual = response.status >= 200 && response.status < 300;
  return {
    subject: describeServiceAccount(account),
    verb,
    resource,
    namespace: namespace ?? CLUSTER_WIDE,
    expected,
    actual,
    checkedBy: "request",
    ...(actual ? {} : { detail: `${response.status} ${statusMessage(response)}` }),
  };
}
