import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appVersion } from './app-version.js';

describe('appVersion', () => {
  it("is the version in the app's package.json", async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(appVersion()).toBe(version);
  });

  it('is unknown when package.json is missing or names no version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mentorhub-version-'));
    try {
      expect(appVersion(pathToFileURL(join(dir, 'package.json')))).toBe('unknown');
      await writeFile(join(dir, 'package.json'), '{}');
      expect(appVersion(pathToFileURL(join(dir, 'package.json')))).toBe('unknown');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
