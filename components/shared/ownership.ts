/**
 * Which Pulumi stack created a namespace: a label on every namespace the components create. The
 * pinned Kubernetes provider adopts an object that already exists when it creates one, so before
 * creating a tenant's namespaces the program checks that none exists that is not this stack's,
 * and this label is how it tells.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** The label's key. Tenants cannot set it: `admin` in a namespace cannot update the Namespace. */
export const STACK_OWNERSHIP_LABEL = "k8s-flux.io/stack";

/** A Pulumi stack's full name, as stack references name it: organization/project/stack. */
export interface StackIdentity {
  readonly organization: string;
  readonly project: string;
  readonly stack: string;
}

/** A label value: at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
const LABEL_VALUE_LIMIT = 63;
/** 64 bits of the full name's digest: stacks that differ anywhere in their name differ here. */
const DIGEST_LENGTH = 16;

/**
 * `<project>.<stack>.<digest>`: the readable part for people (cut short and stripped of what a
 * label value cannot hold), the digest of the full name so that no two stacks share a value,
 * whatever their names' length or characters.
 */
export function stackOwnershipValue(identity: StackIdentity): string {
  const fullName = `${identity.organization}/${identity.project}/${identity.stack}`;
  const digest = createHash("sha256").update(fullName).digest("hex").slice(0, DIGEST_LENGTH);
  const readable = `${identity.project}.${identity.stack}`
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, LABEL_VALUE_LIMIT - DIGEST_LENGTH - 1)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return readable === "" ? digest : `${readable}.${digest}`;
}

/** This program's stack, from the Pulumi runtime. */
export function currentStack(): StackIdentity {
  return {
    organization: pulumi.getOrganization(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
  };
}

/** The ownership label of the stack this program runs as. */
export function stackOwnershipLabels(): Record<string, string> {
  return { [STACK_OWNERSHIP_LABEL]: stackOwnershipValue(currentStack()) };
}

/** A Namespace's arguments with this stack's ownership label added to its labels. */
export function ownedByThisStack<
  Namespace extends { readonly metadata: { readonly labels?: Record<string, string> } },
>(namespace: Namespace): Namespace {
  return {
    ...namespace,
    metadata: {
      ...namespace.metadata,
      labels: { ...namespace.metadata.labels, ...stackOwnershipLabels() },
    },
  };
}
