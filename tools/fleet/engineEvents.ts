/**
 * What one operation's engine events say: the engine's own count of resources by kind of
 * change, the resources a refreshed preview would change (drift), whether the engine had begun
 * to change anything, and the error diagnostics. Debug diagnostics are dropped unread: they
 * quote resource outputs, secrets included.
 */
import type { EngineEvent, OpMap, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";
import { CHANGE_KINDS, type ChangeCounts, type DriftChange, type DriftedResource } from "./summary";

/**
 * What a step does to its resource, as `drift` reports it, or null for a step that changes
 * nothing: keeping, reading (the engine's `--expect-no-changes` does not count reads either),
 * refreshing (the first half of a drift check) and discarding (dropping from the state a
 * resource that is kept in the cloud). Every step of a replacement, whichever half and however
 * the engine goes about it, is reported as `replace`.
 */
export function changeOf(op: OpType): DriftChange | null {
  switch (op) {
    case "same":
    case "read":
    case "read-replacement":
    case "refresh":
    case "discard":
      return null;
    case "create":
    case "update":
    case "delete":
    case "import":
      return op;
    case "replace":
    case "create-replacement":
    case "delete-replaced":
    case "discard-replaced":
    case "import-replacement":
    case "remove-pending-replace":
      return "replace";
  }
}

/** The engine's counts, reduced to the five kinds the summary shows. */
export function countChanges(resourceChanges: OpMap): ChangeCounts {
  return Object.fromEntries(
    CHANGE_KINDS.map((kind) => [kind, resourceChanges[kind] ?? 0]),
  ) as ChangeCounts;
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` as its type and name. */
export function describeUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const name = parts.slice(3).join("::");
  const type = (parts[2] ?? "").split("$").at(-1) ?? "";
  return { type, name };
}

/** A finished refresh step that found its resource changed or gone: the state was rewritten. */
const refreshFoundDifference = (step: StepEventMetadata): boolean =>
  step.op === "refresh" &&
  (step.new === undefined ||
    (step.diffs?.length ?? 0) > 0 ||
    Object.keys(step.detailedDiff ?? {}).length > 0);

export class EngineEventLog {
  private summary: OpMap | undefined;
  private readonly changed = new Map<string, DriftedResource>();
  private readonly errors: string[] = [];
  private changing = false;
  private refreshed = false;

  readonly onEvent = (event: EngineEvent): void => {
    if (event.summaryEvent) this.summary = event.summaryEvent.resourceChanges;
    const pre = event.resourcePreEvent;
    const change = pre ? changeOf(pre.metadata.op) : null;
    if (pre && change !== null) {
      if (!this.changed.has(pre.metadata.urn)) {
        const urn = pre.metadata.urn;
        this.changed.set(urn, { urn, ...describeUrn(urn), change });
      }
      // A preview plans its steps; an update announces each one as it starts it.
      if (pre.planning !== true) this.changing = true;
    }
    const outputs = event.resOutputsEvent;
    if (outputs && outputs.planning !== true && refreshFoundDifference(outputs.metadata)) {
      this.refreshed = true;
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "error") this.errors.push(diagnostic.message);
  };

  /** The engine's counts, or null when it never summed up (the operation did not get that far). */
  changes(): ChangeCounts | null {
    return this.summary ? countChanges(this.summary) : null;
  }

  /** Each resource with a step that would change it, in the order the engine reached them. */
  changedResources(): DriftedResource[] {
    return [...this.changed.values()];
  }

  /** Whether the engine had started a step that changes a resource (not a preview's plan). */
  beganChanging(): boolean {
    return this.changing;
  }

  /** Whether a refresh had written a resource's new state (changed or gone) into the stack. */
  refreshRecordedDifference(): boolean {
    return this.refreshed;
  }

  /** The error diagnostics' messages, in order. */
  errorMessages(): string[] {
    return [...this.errors];
  }
}
