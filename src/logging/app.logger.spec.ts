import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestContext } from '../common/request-context/request-context.js';
import { AppLogger, levelsFrom } from './app.logger.js';

describe('AppLogger', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mentorhub-log-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps the levels at or above the configured one', () => {
    expect(levelsFrom('warn')).toEqual(['fatal', 'error', 'warn']);
    expect(levelsFrom('verbose')).toHaveLength(6);
  });

  it('appends one JSON object per line to the log file, creating its folder', async () => {
    const file = join(dir, 'nested', 'app.log');
    const logger = new AppLogger({ level: 'log', file });
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    logger.log('hello', 'Test');
    logger.error('broken', 'Error: broken\n    at somewhere', 'Test');
    logger.debug('hidden below the level', 'Test');
    stdout.mockRestore();
    stderr.mockRestore();
    await logger.close();
    const entries = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries).toEqual([
      expect.objectContaining({ level: 'log', context: 'Test', message: 'hello' }),
      expect.objectContaining({ level: 'error', context: 'Test', message: 'broken', stack: expect.stringContaining('at somewhere') }),
    ]);
    expect(entries[0]).not.toHaveProperty('requestId');
  });

  it('carries the id of the request being handled, in the file and on the console', async () => {
    const file = join(dir, 'app.log');
    const logger = new AppLogger({ level: 'log', file });
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    RequestContext.run({ id: 'req-7' }, () => logger.log('inside', 'Test'));
    const console = stdout.mock.calls.map(([chunk]) => String(chunk)).join('');
    stdout.mockRestore();
    await logger.close();
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ context: 'Test', requestId: 'req-7', message: 'inside' });
    expect(console).toContain('[Test req-7]');
  });
});
