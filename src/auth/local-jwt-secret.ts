import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../common/config/env.util.js';
import type { DatabaseConnection } from '../database/database.config.js';

/** Name of the file that keeps the generated secret, in the folder of the local data. */
const LOCAL_JWT_SECRET_FILE = 'jwt-secret';

/** Where the generated secret is kept: beside the SQLite database file, or in `data/` with PostgreSQL. */
export function localJwtSecretPath(connection: DatabaseConnection): string {
  return join(connection.engine === 'sqlite' ? dirname(connection.path) : 'data', LOCAL_JWT_SECRET_FILE);
}

function readSecret(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`JWT_SECRET is not set and ${path} cannot be read: ${(error as Error).message}`);
  }
}

/**
 * The signing secret of a server started without JWT_SECRET outside production: random, made on
 * the first start and read back on the next ones (only the owner may read the file), so tokens
 * survive a restart and no secret is ever taken from the source.
 */
export function localJwtSecret(path: string): string {
  const kept = readSecret(path);
  if (kept === '') throw new ConfigError(`JWT_SECRET is not set and ${path} is empty; delete it and a new secret is made`);
  if (kept !== undefined) return kept;
  const secret = randomBytes(48).toString('base64url');
  // Written in full under a name of its own, then linked into place: a process starting at the
  // same moment sees no file or the whole secret, never an empty one. The link fails with EEXIST
  // when another process got there first, and its secret is read back instead.
  const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(draft, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return localJwtSecret(path);
    throw new ConfigError(`JWT_SECRET is not set and ${path} cannot be written: ${(error as Error).message}`);
  } finally {
    rmSync(draft, { force: true });
  }
  return secret;
}
