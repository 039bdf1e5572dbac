import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether a process with this id still runs: a killed one may stay a zombie until its new parent reaps it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The per-file deadline of test/support/summary-reporter.js, on a real Jest run: a file stuck in a
 * loop that never yields (Jest's own test timeout cannot fire in its worker) fails the run, named,
 * with the summary line CI ends on, and the process it started is gone.
 */
describe('the test suite deadline', () => {
  it('ends a run whose file never ends: names it, counts it failed, kills what it started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mentorhub-suite-deadline-'));
    const pidFile = join(dir, 'stuck-child.pid');
    const summaryFile = join(dir, 'summary');
    const jest = spawn(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings',
        'node_modules/jest/bin/jest.js',
        '--config',
        'test/fixtures/suite-deadline/jest.config.js',
        '--cacheDirectory',
        join(dir, 'cache'),
      ],
      {
        env: { ...process.env, JEST_SUITE_TIMEOUT_SECONDS: '10', JEST_SUMMARY_FILE: summaryFile, STUCK_CHILD_PID_FILE: pidFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    jest.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    jest.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let stuckChild: number | undefined;
    try {
      const exitCode = await new Promise<number | null>((resolve) => jest.on('exit', resolve));
      stuckChild = Number(await readFile(pidFile, 'utf8'));
      expect(exitCode).toBe(1);
      expect(output).toMatch(/stuck\.fixture\.js ran longer than its 10 s deadline \(JEST_SUITE_TIMEOUT_SECONDS\): stopping the run/);
      expect(await readFile(summaryFile, 'utf8')).toBe('1 passed, 1 failed');
      expect(isRunning(stuckChild)).toBe(false);
    } finally {
      jest.kill('SIGKILL');
      if (stuckChild && isRunning(stuckChild)) process.kill(stuckChild, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
