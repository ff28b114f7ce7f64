/**
 * What one operation's engine events say: the engine's own count of resources by kind of
 * change, the resources a refreshed preview would change (drift), and the error diagnostics.
 * Debug diagnostics are dropped unread: they quote resource outputs, secrets included.
 */
import type { EngineEvent, OpMap, OpType } from "@pulumi/pulumi/automation";
import { CHANGE_KINDS, type ChangeCounts, type DriftedResource } from "./summary";

/**
 * Steps that change nothing: keeping, reading (the engine's `--expect-no-changes` does not count
 * reads either) and refreshing, the first half of a drift check.
 */
const UNCHANGING: readonly OpType[] = ["same", "read", "read-replacement", "discard", "refresh"];

/** The steps of one replacement, reported as one change. */
const REPLACING: readonly OpType[] = ["replace", "create-replacement", "delete-replaced"];

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

export class EngineEventLog {
  private summary: OpMap | undefined;
  private readonly changed = new Map<string, DriftedResource>();
  private readonly errors: string[] = [];

  readonly onEvent = (event: EngineEvent): void => {
    if (event.summaryEvent) this.summary = event.summaryEvent.resourceChanges;
    const step = event.resourcePreEvent?.metadata;
    if (step && !UNCHANGING.includes(step.op) && !this.changed.has(step.urn)) {
      const change = REPLACING.includes(step.op) ? "replace" : step.op;
      this.changed.set(step.urn, { urn: step.urn, ...describeUrn(step.urn), change });
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

  /** The error diagnostics' messages, in order. */
  errorMessages(): string[] {
    return [...this.errors];
  }
}
