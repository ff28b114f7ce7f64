import type { Inputs } from "../mocks/runtime";

/**
 * Turns the inputs of a typed Pulumi Kubernetes resource into the object the API server gets.
 * The SDK spells the JSON-schema extension keys with underscores (TypeScript can't name
 * `x-kubernetes-…`); the provider restores the dashes, and so does this.
 */
export function toManifest(inputs: Inputs): Inputs {
  return convert(inputs) as Inputs;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, child]) => [
      key.startsWith("x_kubernetes_") ? key.replace(/_/g, "-") : key,
      convert(child),
    ]),
  );
}
