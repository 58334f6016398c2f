/**
 * Prints the closing line `N passed, N failed` that CI reads (see the brief).
 * Counts test cases; a test file that fails before any test runs (an import
 * error, a throwing beforeAll) counts as one failure so it cannot hide.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class CountReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestCaseResult(test: TestCase): void {
    const state = test.result().state;
    if (state === 'passed') this.passed++;
    else if (state === 'failed') this.failed++;
    else this.skipped++;
  }

  onTestRunEnd(modules: readonly TestModule[], errors: readonly unknown[]): void {
    let failed = this.failed + errors.length;
    for (const mod of modules) {
      const anyFailedTest = [...mod.children.allTests()].some((t) => t.result().state === 'failed');
      if (mod.state() === 'failed' && !anyFailedTest) failed++;
    }
    const tail = this.skipped ? `, ${this.skipped} skipped` : '';
    process.stdout.write(`\n${this.passed} passed, ${failed} failed${tail}\n`);
  }
}
