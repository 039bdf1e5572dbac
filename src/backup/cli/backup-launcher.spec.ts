import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBuildCurrent } from './backup-launcher.js';

describe('isBuildCurrent (npm run backup builds only when needed)', () => {
  let root: string;
  const at = (path: string, secondsAgo: number) => {
    const time = new Date(Date.now() - secondsAgo * 1000);
    return utimes(join(root, path), time, time);
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'mentorhub-launcher-'));
    await mkdir(join(root, 'src', 'backup'), { recursive: true });
    await mkdir(join(root, 'dist', 'backup', 'cli'), { recursive: true });
    await writeFile(join(root, 'src', 'backup', 'a.ts'), '');
    await writeFile(join(root, 'src', 'backup', 'b.ts'), '');
    await writeFile(join(root, 'package.json'), '{}');
    await writeFile(join(root, 'dist', 'backup', 'cli', 'backup.cli.js'), '');
    for (const path of ['src/backup/a.ts', 'src/backup/b.ts', 'src/backup', 'src', 'package.json']) await at(path, 60);
    for (const path of ['dist/backup/cli/backup.cli.js', 'dist/backup/cli', 'dist/backup', 'dist']) await at(path, 30);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is current when the build is newer than every source', () => {
    expect(isBuildCurrent(root)).toBe(true);
  });

  it('is stale after a source changes, a file is added or deleted, or the package changes', async () => {
    await at('src/backup/a.ts', 0);
    expect(isBuildCurrent(root)).toBe(false);
    await at('src/backup/a.ts', 60);
    await rm(join(root, 'src', 'backup', 'b.ts'));
    expect(isBuildCurrent(root)).toBe(false);
    await at('src/backup', 60);
    await at('package.json', 0);
    expect(isBuildCurrent(root)).toBe(false);
  });

  it('is not made current by a type-check writing its build info into dist/', async () => {
    await at('src/backup/a.ts', 10);
    await writeFile(join(root, 'dist', 'tsconfig.tsbuildinfo'), '{}');
    await at('dist', 30);
    expect(isBuildCurrent(root)).toBe(false);
  });

  it('stays current when only a unit spec changes (specs are not built)', async () => {
    await writeFile(join(root, 'src', 'backup', 'a.spec.ts'), '');
    await at('src/backup', 60);
    expect(isBuildCurrent(root)).toBe(true);
  });

  it('is stale without a built CLI', async () => {
    await rm(join(root, 'dist', 'backup', 'cli', 'backup.cli.js'));
    expect(isBuildCurrent(root)).toBe(false);
  });
});
