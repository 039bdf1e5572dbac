import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const EXIT_LIMIT_MS = 45_000;

/**
 * Runs test/fixtures/cache-exit.fixture.ts in a child Jest without --forceExit: Jest only exits
 * when nothing (socket, reconnection timer) is left open after app.close().
 */
function runFixture(): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  const env = { ...process.env };
  delete env.JEST_SUMMARY_FILE;
  const child = spawn(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      'node_modules/jest/bin/jest.js',
      '--testMatch',
      '<rootDir>/test/fixtures/cache-exit.fixture.ts',
      '--reporters',
      'default',
      '--runInBand',
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, output, timedOut: true });
    }, EXIT_LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut: false });
    });
  });
}

describe('cache shutdown', () => {
  it('lets the process exit after app.close(), connected or reconnecting', async () => {
    const { code, output, timedOut } = await runFixture();
    expect(output).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(output).not.toMatch(/did not exit/);
    expect(timedOut).toBe(false);
    expect(code).toBe(0);
  }, 60_000);
});
