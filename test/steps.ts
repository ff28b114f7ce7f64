/**
 * Numbered steps that build on one another, as the stage files run them: after a failed step,
 * every later step of the file is skipped with the failed step's name, since their own failures
 * would only hide the first one.
 */
import { beforeEach } from "vitest";

export interface ChainOptions {
  /** A reason to skip every step, such as a failed setup; undefined to run them. */
  readonly skipAll?: () => string | undefined;
  /** Whether a step's failure is a finding the later steps do not build on. */
  readonly laterStepsGoOnAfter?: (stepName: string) => boolean;
}

export function chainSteps(options: ChainOptions = {}): void {
  let failedStep: string | undefined;
  beforeEach(({ skip, onTestFailed, task }) => {
    const skipReason = options.skipAll?.();
    if (skipReason) skip(skipReason);
    if (failedStep) skip(`"${failedStep}" failed, and this step builds on it`);
    onTestFailed(() => {
      if (!options.laterStepsGoOnAfter?.(task.name)) failedStep = task.name;
    });
  });
}
