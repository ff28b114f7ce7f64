import * as pulumi from "@pulumi/pulumi";
import { visibleText } from "./quotedText";

/**
 * How a component names itself in its messages: `DeployKey orders`. The name is the caller's,
 * so it is shown with its invisible characters escaped, as every quoted value is.
 */
export const componentLabel = (kind: string, name: string): string =>
  `${kind} ${visibleText(name)}`;

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

/**
 * A text argument checked once its value is known: an Output's value when it resolves, refused
 * then with the same ResourceError as a plain value is refused with before anything is created.
 */
export function checkedWhenKnown(
  component: pulumi.ComponentResource,
  label: string,
  argument: string,
  value: pulumi.Input<string>,
  problemOf: (text: string) => string | undefined,
): pulumi.Output<string> {
  return pulumi.output(value).apply((text) => {
    const problem = problemOf(text);
    if (problem !== undefined) throw argumentError(component, label, argument, problem);
    return text;
  });
}
