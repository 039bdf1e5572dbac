import type { BackupDatabase } from '../backup.options.js';
import type { BackupFormat } from './backup.naming.js';

/** 2 added `databaseId` and `slot`. */
export const MANIFEST_VERSION = 2;

export type BackupTrigger = 'manual' | 'scheduled' | 'pre-restore';

/** Result of a trial restore into scratch space. */
export interface BackupVerification {
  ok: boolean;
  verifiedAt: string;
  durationMs: number;
  /** `PRAGMA integrity_check` answer (SQLite) or "pg_restore ok" (PostgreSQL). */
  integrity?: string;
  rowCounts?: Record<string, number>;
  error?: string;
}

export interface BackupS3Copy {
  key: string;
  uploadedAt: string;
  sizeBytes: number;
  /** `md5` when the server's ETag matched our own MD5 of the bytes; `size` when only the size could be compared. */
  checkedBy: 'md5' | 'size';
}

/** `<stem>.json` beside each backup: everything a restore needs, readable without the app. */
export interface BackupManifest {
  manifestVersion: number;
  name: string;
  file: string;
  engine: BackupDatabase['engine'];
  format: BackupFormat;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  durationMs: number;
  trigger: BackupTrigger;
  database: string;
  /** Which database this is a backup of (see databaseIdentity); absent in manifests written before version 2. */
  databaseId?: string;
  /** The scheduled slot this backup was made for (its cron time), for scheduled backups. */
  slot?: string;
  serverVersion: string;
  toolVersion: string;
  appVersion: string;
  latestMigration: string | null;
  verification?: BackupVerification;
  s3?: BackupS3Copy;
}

export function isManifest(value: unknown): value is BackupManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<BackupManifest>;
  return (
    typeof m.name === 'string' &&
    typeof m.file === 'string' &&
    (m.engine === 'sqlite' || m.engine === 'postgres') &&
    typeof m.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(m.sha256) &&
    typeof m.sizeBytes === 'number' &&
    typeof m.createdAt === 'string'
  );
}
