import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const SLOWEST_SHOWN = 8;

/**
 * Prints the slowest test files, then Jest's own counts as one plain line, "N passed, N failed[, N
 * skipped]", and writes that line to $JEST_SUMMARY_FILE when set, so CI can end on it. A failed
 * suite (e.g. a crash in beforeAll) counts as failed even when none of its tests ran.
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const durations = results.testResults
      .map((suite) => ({ file: relative(process.cwd(), suite.testFilePath), ms: suite.perfStats.end - suite.perfStats.start }))
      .filter((suite) => Number.isFinite(suite.ms))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SLOWEST_SHOWN);
    if (durations.length > 1) {
      const lines = durations.map(({ file, ms }) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${file}`);
      process.stdout.write(`\nSlowest test files:\n${lines.join('\n')}\n`);
    }
    const failedSuitesWithoutTests = results.testResults.filter((suite) => suite.testExecError && suite.numFailingTests === 0).length;
    const failed = results.numFailedTests + failedSuitesWithoutTests;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.stdout.write(`\n${line}\n`);
    if (process.env.JEST_SUMMARY_FILE) writeFileSync(process.env.JEST_SUMMARY_FILE, line);
  }
}
