import type { BackupDatabase } from '../backup.options.js';
import type { FileDigest } from '../storage/backup.filesystem.js';
import type { BackupFormat } from '../catalogue/backup.naming.js';

/** Injection token of the engine matching DATABASE_URL. */
export const BACKUP_ENGINE = Symbol('mentorhub:backup:engine');

export interface DatabaseDescription {
  /** PostgreSQL database name or SQLite file name. */
  database: string;
  serverVersion: string;
  toolVersion: string;
  latestMigration: string | null;
}

export interface TrialRestoreResult {
  integrity: string;
  rowCounts: Record<string, number>;
}

/** What the BackupService needs from a database engine; each method throws a BackupError on failure. */
export interface BackupEngine {
  readonly engine: BackupDatabase['engine'];
  /** The format `dump` writes. */
  readonly format: BackupFormat;
  describe(): Promise<DatabaseDescription>;
  /** Writes a complete backup at `destination` (a temporary path) and returns its digest. */
  dump(destination: string, onProgress: (bytes: number) => void): Promise<FileDigest>;
  /** Restores into scratch space (a temporary database or file), checks it, and removes the scratch. */
  trialRestore(file: string, format: BackupFormat): Promise<TrialRestoreResult>;
  /**
   * Checks everything that could refuse restoring `file` over the live database, before anything
   * is written (the restore takes a safety backup in between), and returns the session that does it.
   */
  prepareRestore(file: string, format: BackupFormat): Promise<RestoreSession>;
}

export interface RestoreSession {
  /** Replaces the live database; on any failure the live database is left as it was. */
  commit(): Promise<void>;
  /** Releases what the preparation took (temporary files, the app's closed connection); always called. */
  end(): Promise<void>;
}
