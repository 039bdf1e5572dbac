import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localJwtSecret, localJwtSecretPath } from './local-jwt-secret.js';

describe('localJwtSecret', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mentorhub-secret-'));
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
});
