import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { clearTimeout, setTimeout } from 'node:timers';
import { relative } from 'node:path';

const SLOWEST_SHOWN = 8;
const DEFAULT_SUITE_TIMEOUT_SECONDS = 180;

/**
 * Prints the slowest test files, then Jest's own counts as one plain line, "N passed, N failed[, N
 * skipped]", and writes that line to $JEST_SUMMARY_FILE when set, so CI can end on it.
 *
 * Every test file also has a deadline ($JEST_SUITE_TIMEOUT_SECONDS, default 180): Jest's own
 * timeouts cannot end a file whose worker is stuck (a busy loop, a hook that never settles after
 * its timeout, processes that keep the worker alive), which would turn a failure into a CI
 * time-out. The deadline runs here, in Jest's main process: it names the file, ends the run as
 * failed and kills the workers and whatever they started (API replicas, redis-servers).
 */
export default class SummaryReporter {
  constructor() {
    this.deadlines = new Map();
    this.aggregated = undefined;
    const seconds = Number(process.env.JEST_SUITE_TIMEOUT_SECONDS ?? DEFAULT_SUITE_TIMEOUT_SECONDS);
    this.suiteTimeoutMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_SUITE_TIMEOUT_SECONDS) * 1000;
  }

  onTestFileStart(test) {
    const timer = setTimeout(() => this.abort(test.path), this.suiteTimeoutMs);
    timer.unref();
    this.deadlines.set(test.path, timer);
  }

  onTestFileResult(test, _result, aggregated) {
    clearTimeout(this.deadlines.get(test.path));
    this.deadlines.delete(test.path);
    this.aggregated = aggregated;
  }

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
    this.finish(countsOf(results));
  }

  abort(path) {
    const running = [...this.deadlines.keys()].map((file) => relative(process.cwd(), file));
    process.stderr.write(
      `\n${relative(process.cwd(), path)} ran longer than its ${this.suiteTimeoutMs / 1000} s deadline ` +
        `(JEST_SUITE_TIMEOUT_SECONDS): stopping the run; still running: ${running.join(', ')}\n`,
    );
    killDescendants(process.pid);
    const done = this.aggregated ? countsOf(this.aggregated) : { passed: 0, failed: 0, skipped: 0 };
    this.finish({ ...done, failed: done.failed + running.length });
    process.exit(1);
  }

  finish({ passed, failed, skipped }) {
    const line = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    process.stdout.write(`\n${line}\n`);
    if (process.env.JEST_SUMMARY_FILE) writeFileSync(process.env.JEST_SUMMARY_FILE, line);
  }
}

/** Jest's counts; a failed suite (e.g. a crash in beforeAll) counts as failed even when none of its tests ran. */
function countsOf(results) {
  const failedSuitesWithoutTests = results.testResults.filter((suite) => suite.testExecError && suite.numFailingTests === 0).length;
  return {
    passed: results.numPassedTests,
    failed: results.numFailedTests + failedSuitesWithoutTests,
    skipped: results.numPendingTests + results.numTodoTests,
  };
}

/** SIGKILLs every process below `pid`, from a table read first, so orphans are found too (Linux /proc; elsewhere nothing). */
function killDescendants(pid) {
  const children = new Map();
  let entries;
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  for (const entry of entries) {
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while the table was read.
    }
  }
  const below = [];
  const visit = (parent) => {
    for (const child of children.get(parent) ?? []) {
      below.push(child);
      visit(child);
    }
  };
  visit(pid);
  for (const child of below) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
