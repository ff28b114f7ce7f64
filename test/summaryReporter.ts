import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends a run with the reasons for skipped tests, then one plain line, `N passed, N failed, N skipped`, that log readers and CI can
 * parse without vitest's colours and layout.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    // A skip with a reason (a tool that could not be built) is news; say it in every run.
    const reasons = new Set<string>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === "passed") counts.passed += 1;
        else if (result.state === "failed") counts.failed += 1;
        else {
          counts.skipped += 1;
          if (result.state === "skipped" && result.note) reasons.add(result.note);
        }
      }
    }
    for (const reason of reasons) process.stdout.write(`\nskipped: ${reason}`);
    process.stdout.write(
      `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`,
    );
  }
}
