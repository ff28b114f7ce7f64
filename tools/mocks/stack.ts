/**
 * The whole program (index.ts) for one stack under mocks, as `pulumi up` would run it: the
 * stack file's config, secrets given here instead of its `secure:` values, settings replaced as
 * asked, and the outputs the last update left. For the unit tests and the offline rendering.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { visibleText } from "../../components/shared/quotedText";
import { CONFIG_NAMESPACE } from "../../stacks/names";
import { FAKE_SECRETS } from "./fakes";
import { type MockRun, type MockRunOptions, startMockRun } from "./runtime";
import { readYamlFile } from "../problems";
import { REPO_ROOT } from "../repoRoot";

/** Thrown for a stack this checkout has no Pulumi.<stack>.yaml for. */
export class UnknownStackError extends Error {}

const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

/**
 * Reads Pulumi.<stack>.yaml into the flat map the runtime uses: structured values as JSON,
 * like the CLI passes them. Values written as `secure:` cannot be decrypted here and are left
 * out; runs are given the secrets they need explicitly.
 */
export function stackFileConfig(stack: string): Record<string, string> {
  const path = join(REPO_ROOT, `Pulumi.${stack}.yaml`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(path)) {
    const stacks = readdirSync(REPO_ROOT).flatMap((file) => STACK_FILE.exec(file)?.[1] ?? []);
    throw new UnknownStackError(
      `no stack file Pulumi.${visibleText(stack)}.yaml in ${REPO_ROOT}; name a stack that has one (${stacks.sort().join(", ")})`,
    );
  }
  const file = readYamlFile(path, `Pulumi.${stack}.yaml`) as {
    config?: Record<string, unknown>;
  } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(file?.config ?? {})) {
    if (value !== null && typeof value === "object" && "secure" in value) continue;
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/** Runs index.ts as `pulumi up` does: loads it, then awaits the function it exports. */
export async function runIndex(): Promise<Record<string, unknown>> {
  const loaded = (await import("../../index")) as unknown as { default?: unknown };
  const program = typeof loaded.default === "function" ? loaded.default : loaded;
  if (typeof program !== "function") throw new Error("index.ts exports no program function");
  return (await program()) as Record<string, unknown>;
}

export interface StackOptions extends MockRunOptions {
  /** Whole `k8s-flux:` settings that replace the stack file's, by key: `{ applications: [...] }`. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Secret config by full key. Default FAKE_SECRETS; `{}` runs the stack without any. */
  readonly secrets?: Readonly<Record<string, string>>;
}

export interface StackRun {
  readonly run: MockRun;
  /** What the program returned: the stack's outputs, still as Outputs. */
  readonly outputs: Record<string, unknown>;
}

/** Installs mocks with the stack's config; runIndex() then runs the program under them. */
export function mockStack(stack: string, options: StackOptions = {}): Promise<MockRun> {
  const secrets = options.secrets ?? FAKE_SECRETS;
  const settings = Object.fromEntries(
    Object.entries(options.settings ?? {}).map(([key, value]) => [
      `${CONFIG_NAMESPACE}:${key}`,
      JSON.stringify(value),
    ]),
  );
  return startMockRun(
    stack,
    { ...stackFileConfig(stack), ...settings, ...secrets },
    Object.keys(secrets),
    {
      ...(options.lastOutputs ? { lastOutputs: options.lastOutputs } : {}),
      ...(options.providerState ? { providerState: options.providerState } : {}),
      ...(options.existingNamespaces ? { existingNamespaces: options.existingNamespaces } : {}),
    },
  );
}

/** A run of a program that may refuse its config: every registration, and what it threw. */
export interface StackAttempt {
  readonly run: MockRun;
  /** What the program threw, such as the RunError for bad config; undefined when it ran through. */
  readonly error: unknown;
}

// Pulumi's mock runtime is one per process, so runs take turns.
let previous: Promise<unknown> = Promise.resolve();

/** Runs index.ts under fresh mocks, after the run before it, and waits for its registrations. */
function runInTurn(
  stack: string,
  options: StackOptions,
): Promise<{ run: MockRun; result: PromiseSettledResult<Record<string, unknown>> }> {
  const runNow = async () => {
    const run = await mockStack(stack, options);
    const [result] = await Promise.allSettled([runIndex()]);
    await run.settle();
    return { run, result };
  };
  const next = previous.then(runNow, runNow);
  previous = next;
  return next;
}

/**
 * Runs the whole program for `stack` under fresh mocks and returns every registration and the
 * outputs, once no registration is in flight. A program that throws (bad config) rejects with
 * its error; attemptStack keeps the run for that case.
 */
export async function runStack(stack: string, options: StackOptions = {}): Promise<StackRun> {
  const { run, result } = await runInTurn(stack, options);
  if (result.status === "rejected") throw result.reason as Error;
  return { run, outputs: result.value };
}

/**
 * Runs the whole program for `stack` like runStack, but a program that throws resolves with its
 * error and the run, so a test can check that a refusal registered nothing.
 */
export async function attemptStack(
  stack: string,
  options: StackOptions = {},
): Promise<StackAttempt> {
  const { run, result } = await runInTurn(stack, options);
  return { run, error: result.status === "rejected" ? (result.reason as unknown) : undefined };
}
