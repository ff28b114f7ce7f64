/**
 * The settings that cap an application's workload namespace, as the stack file writes them:
 * `resourceQuota` (a ResourceQuota's `hard` map) and `limitRange` (per-container defaults).
 * Names and amounts are checked as the API server checks them, so a value it would refuse
 * halfway through `pulumi up` is refused before anything changes.
 */
import { z } from "zod";
import {
  CONTAINER_RESOURCES,
  containerDefaultsProblems,
  QUANTITY_EXAMPLES,
  resourceQuotaProblems,
} from "../components/applicationFlux/quantities";
import { evenWithFieldErrors } from "./evenWithFieldErrors";
import { isRecord } from "./isRecord";
import { quoted } from "./quoting";

/** An amount as YAML gives it: text such as "500m", or a plain number such as 20. */
const amount = z.unknown().transform((value, ctx) => {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  ctx.issues.push({
    code: "custom",
    input: value,
    message: `expected an amount such as ${QUANTITY_EXAMPLES}, got ${quoted(value)}`,
  });
  return z.NEVER;
});

/** Amounts by resource name; `resources` says which names, for messages about a key. */
const amounts = (resources: string) =>
  z
    .record(z.string(), amount, {
      error: (issue) =>
        issue.input === undefined
          ? undefined
          : `expected amounts by resource name, such as { cpu: 500m, memory: 1Gi }, got ${quoted(issue.input)}`,
    })
    .describe(resources);

/**
 * The entries that parsed as amounts. Rules here run even when some entries failed, which then
 * hold their raw input; those have their own problem already.
 */
function parsedAmounts(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}

/** `{ "requests.cpu": "4", "limits.memory": "16Gi", pods: 50 }` */
export const resourceQuotaSetting = amounts(
  "resource names, such as requests.cpu, limits.memory or pods",
).superRefine((hard, ctx) => {
  if (Object.keys(hard).length === 0) {
    ctx.addIssue(
      "is empty; expected the resources to cap, such as { requests.cpu: 4, requests.memory: 8Gi, pods: 50 }",
    );
    return;
  }
  const parsed = parsedAmounts(hard);
  for (const { key, problem } of resourceQuotaProblems(parsed)) {
    ctx.addIssue({ code: "custom", path: [key], input: parsed[key], message: problem });
  }
}, evenWithFieldErrors);

const containerResources = `container resources: ${CONTAINER_RESOURCES.join(", ")}`;

/** `{ default: { cpu: 500m, memory: 512Mi }, defaultRequest: { cpu: 100m, memory: 128Mi } }` */
export const limitRangeSetting = z
  .strictObject({
    default: amounts(containerResources).optional(),
    defaultRequest: amounts(containerResources).optional(),
  })
  .superRefine((given, ctx) => {
    const defaults = {
      default: parsedAmounts(given.default),
      defaultRequest: parsedAmounts(given.defaultRequest),
    };
    // A field of the wrong type has its own problem; only nothing at all is "empty".
    const raw: unknown[] = [given.default, given.defaultRequest];
    const nothing = (entries: unknown) =>
      entries === undefined || (isRecord(entries) && Object.keys(entries).length === 0);
    if (raw.every(nothing)) {
      ctx.addIssue(
        `is empty; expected default and/or defaultRequest, each with amounts for ${CONTAINER_RESOURCES.join(", ")}`,
      );
      return;
    }
    for (const { path, problem } of containerDefaultsProblems(defaults)) {
      const [field, resource] = path as ["default" | "defaultRequest", string];
      ctx.addIssue({
        code: "custom",
        path: [field, resource],
        input: defaults[field][resource],
        message: problem,
      });
    }
  }, evenWithFieldErrors);
