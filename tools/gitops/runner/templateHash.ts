/**
 * A hash of a Deployment's pod template: what a rollout compares. Keys are sorted first, so the
 * order the API server returns them in does not matter.
 */
import { createHash } from "node:crypto";
import type { PodTemplate } from "./deployment";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

export function templateHash(template: PodTemplate): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical(template)))
    .digest("hex")
    .slice(0, 16);
}
