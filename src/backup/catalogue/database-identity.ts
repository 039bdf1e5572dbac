import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { BackupDatabase } from '../backup.options.js';
import { parsePgUrl } from '../engines/pg-connection.js';

/**
 * Which database backups belong to: its engine and a fingerprint of where it lives (PostgreSQL:
 * host, port and database name from DATABASE_URL, never the user or password; SQLite: the file's
 * absolute path). Backups of several databases may share a folder or a bucket; each sees its own.
 */
export interface DatabaseIdentity {
  engine: BackupDatabase['engine'];
  /** `<engine>-<16 hex digits>`, recorded in each manifest as `databaseId`. */
  id: string;
  /** The database name or file name, as manifests record it in `database`. */
  name: string;
}

export function databaseIdentity(database: BackupDatabase): DatabaseIdentity {
  if (database.engine === 'sqlite') {
    const path = resolve(database.path);
    return { engine: 'sqlite', id: fingerprint('sqlite', [path]), name: basename(path) };
  }
  const connection = parsePgUrl(database.url);
  return {
    engine: 'postgres',
    id: fingerprint('postgres', [connection.host.toLowerCase(), String(connection.port), connection.database]),
    name: connection.database,
  };
}

function fingerprint(engine: string, parts: string[]): string {
  return `${engine}-${createHash('sha256')
    .update([engine, ...parts].join('\0'))
    .digest('hex')
    .slice(0, 16)}`;
}

/** What a manifest says about its database; manifests written before `databaseId` existed have only engine and name. */
export interface ManifestOrigin {
  engine: string;
  database: string;
  databaseId?: string;
}

/** A backup belongs to this database by its id, or (older manifests without one) by engine and database name. */
export function belongsTo(manifest: ManifestOrigin, identity: DatabaseIdentity): boolean {
  if (manifest.databaseId !== undefined) return manifest.databaseId === identity.id;
  return manifest.engine === identity.engine && manifest.database === identity.name;
}

export function describeOrigin(manifest: ManifestOrigin): string {
  return `${manifest.engine} database "${manifest.database}"${manifest.databaseId ? ` (${manifest.databaseId})` : ''}`;
}
