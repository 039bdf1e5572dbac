import { jest } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fs = await import('node:fs');
/** Every file written through writeFileSync, and a hook run just before each link, to watch how the file appears. */
const written: string[] = [];
let beforeLink: ((draft: string, path: string) => void) | undefined;
jest.unstable_mockModule('node:fs', () => ({
  ...fs,
  writeFileSync: (...args: Parameters<typeof fs.writeFileSync>) => {
    written.push(String(args[0]));
    fs.writeFileSync(...args);
  },
  linkSync: (draft: string, path: string) => {
    beforeLink?.(draft, path);
    fs.linkSync(draft, path);
  },
}));
const { localJwtSecret, localJwtSecretPath } = await import('./local-jwt-secret.js');

describe('localJwtSecret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mentorhub-secret-'));
    written.length = 0;
    beforeLink = undefined;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is kept beside the SQLite database, or in data/ with PostgreSQL', () => {
    expect(localJwtSecretPath({ engine: 'sqlite', path: '/srv/db/mentorhub.sqlite' })).toBe('/srv/db/jwt-secret');
    expect(localJwtSecretPath({ engine: 'postgres', url: 'postgres://h/db', database: 'db' })).toBe(join('data', 'jwt-secret'));
  });

  it('makes a random secret once, readable by the owner only, and reads it back afterwards', async () => {
    const path = join(dir, 'nested', 'jwt-secret');
    const secret = localJwtSecret(path);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(localJwtSecret(path)).toBe(secret);
    expect(localJwtSecret(join(dir, 'other'))).not.toBe(secret);
    expect((await readFile(path, 'utf8')).trim()).toBe(secret);
  });

  it('refuses an empty secret file rather than signing with an empty secret', async () => {
    const path = join(dir, 'jwt-secret');
    await writeFile(path, '\n');
    expect(() => localJwtSecret(path)).toThrow(`${path} is empty`);
  });

  it('never shows the file empty: it appears by a link to a draft that already holds the whole secret', async () => {
    const path = join(dir, 'jwt-secret');
    let draftAtLink: { content: string; mode: number; pathExisted: boolean } | undefined;
    beforeLink = (draft) => {
      draftAtLink = { content: fs.readFileSync(draft, 'utf8'), mode: fs.statSync(draft).mode & 0o777, pathExisted: fs.existsSync(path) };
    };
    const secret = localJwtSecret(path);
    expect(written).not.toContain(path);
    expect(draftAtLink).toEqual({ content: `${secret}\n`, mode: 0o600, pathExisted: false });
    expect(await readdir(dir)).toEqual(['jwt-secret']);
  });

  it('reads the secret of a process that linked its file first, and removes its own draft', async () => {
    const path = join(dir, 'jwt-secret');
    beforeLink = () => fs.writeFileSync(path, 'the-winners-secret\n', { mode: 0o600 });
    expect(localJwtSecret(path)).toBe('the-winners-secret');
    expect(await readdir(dir)).toEqual(['jwt-secret']);
  });

  it('ignores a draft left behind by a process that died before linking it', async () => {
    const path = join(dir, 'jwt-secret');
    const leftover = `${path}.4242.0123456789ab.tmp`;
    await writeFile(leftover, '');
    const secret = localJwtSecret(path);
    expect((await readFile(path, 'utf8')).trim()).toBe(secret);
    expect((await readdir(dir)).sort()).toEqual(['jwt-secret', 'jwt-secret.4242.0123456789ab.tmp']);
  });
});
