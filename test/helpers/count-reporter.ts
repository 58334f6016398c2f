/**
 * Prints the closing line `N passed, N failed` that CI reads (see the brief).
 * Counts test cases; a test file that fails before any test runs (an import
 * error, a throwing beforeAll) counts as one failure so it cannot hide.
 * Skipped tests are listed by their note (what they need), one line a note.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class CountReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;
  /** note → how many tests skipped with it. */
  private readonly skipNotes = new Map<string, number>();

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    if (result.state === 'passed') this.passed++;
    else if (result.state === 'failed') this.failed++;
    else {
      this.skipped++;
      const note = (result.state === 'skipped' && result.note) || `${test.module.moduleId}: skipped without a note`;
      this.skipNotes.set(note, (this.skipNotes.get(note) ?? 0) + 1);
    }
  }

  onTestRunEnd(modules: readonly TestModule[], errors: readonly unknown[]): void {
    let failed = this.failed + errors.length;
    for (const mod of modules) {
      const anyFailedTest = [...mod.children.allTests()].some((t) => t.result().state === 'failed');
      if (mod.state() === 'failed' && !anyFailedTest) failed++;
    }
    for (const [note, n] of this.skipNotes) process.stdout.write(`\nskipped ${n} test${n === 1 ? '' : 's'}: ${note}`);
    const tail = this.skipped ? `, ${this.skipped} skipped` : '';
    process.stdout.write(`\n${this.passed} passed, ${failed} failed${tail}\n`);
  }
}
