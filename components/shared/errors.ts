import * as pulumi from "@pulumi/pulumi";

/**
 * An argument a component cannot use: `<Component> <name>: <argument> <problem>`, naming the
 * argument as the caller wrote it. Thrown before the component creates anything that uses it.
 */
export function argumentError(
  component: pulumi.ComponentResource,
  label: string,
  argument: string,
  problem: string,
): pulumi.ResourceError {
  // The message says what to change; a stack trace would only bury it.
  return new pulumi.ResourceError(`${label}: ${argument} ${problem}`, component, true);
}
