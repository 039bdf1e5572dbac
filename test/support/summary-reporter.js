import { writeFileSync } from 'node:fs';

/**
 * Prints Jest's own counts as one plain line, "N passed, N failed[, N skipped]", and writes it to
 * $JEST_SUMMARY_FILE when set, so CI can end on it. A failed suite (e.g. a crash in beforeAll)
 * counts as failed even when none of its tests ran.
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failedSuitesWithoutTests = results.testResults.filter((suite) => suite.testExecError && suite.numFailingTests === 0).length;
    const failed = results.numFailedTests + failedSuitesWithoutTests;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.stdout.write(`\n${line}\n`);
    if (process.env.JEST_SUMMARY_FILE) writeFileSync(process.env.JEST_SUMMARY_FILE, line);
  }
}
