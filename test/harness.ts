/**
 * Test helpers around the mock program runtime in tools/mocks, which records every resource
 * registration: what a recorded resource shows in plain state, Output values, thrown messages,
 * and the fake secrets. The runtime's names are re-exported, so tests import from here.
 */
import * as pulumi from "@pulumi/pulumi";
import { FAKE } from "../tools/mocks/fakes";
import type { Recorded } from "../tools/mocks/runtime";

export { FAKE, FAKE_SECRETS } from "../tools/mocks/fakes";
export {
  type Inputs,
  type Invocation,
  type MockRun,
  type MockRunOptions,
  type Recorded,
  startMockRun,
} from "../tools/mocks/runtime";
export {
  attemptStack,
  mockStack,
  runIndex,
  runStack,
  stackFileConfig,
  type StackAttempt,
  type StackOptions,
  type StackRun,
} from "../tools/mocks/stack";

/** Secret config values in tests; they must never appear in any recorded plain output. */
export const TEST_LICENSE_KEY = FAKE.licenseKey;
export const TEST_GITHUB_TOKEN = FAKE.githubToken;
/** A second fake token, for GITHUB_TOKEN in the environment where both are set. */
export const TEST_GITHUB_TOKEN_FROM_ENV = "ghp_FROMENVIRONMENT0000000000000000000000";

/** The ownership label on every namespace a mock run of stack "test" creates. */
export const TEST_STACK_OWNERSHIP = { "k8s-flux.io/stack": "k8s-flux.test.cf9a6d16ac997311" };

/**
 * Everything a resource sends to the engine outside secret wrappers, as text: what a plain
 * state file or `pulumi stack export` could show. Secret values are replaced by "[secret]".
 */
export function plainInputs(resource: Recorded): string {
  const copy = structuredClone(resource.inputs);
  for (const path of resource.secretPaths) {
    const keys = path.split(".");
    const last = keys.pop() ?? "";
    let target: Record<string, unknown> = copy;
    for (const key of keys) target = target[key] as Record<string, unknown>;
    target[last] = "[secret]";
  }
  return JSON.stringify(copy);
}

/** Resolves an Output's value in a test (its secretness is checked separately). */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) =>
    pulumi.output(output).apply((value) => {
      resolve(value as T);
      return value;
    }),
  );
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Input<unknown>): Promise<boolean> {
  return pulumi.isSecret(pulumi.output(output));
}

/** The message the action throws, or "" when it throws nothing. */
export async function thrownMessage(action: () => unknown): Promise<string> {
  try {
    await action();
    return "";
  } catch (error) {
    return (error as Error).message;
  }
}
