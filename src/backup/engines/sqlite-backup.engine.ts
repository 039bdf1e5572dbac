import { Logger } from '@nestjs/common';
import { basename, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { ReopenableConnection } from '../backup.options.js';
import type { BackupEngine, DatabaseDescription, RestoreSession, TrialRestoreResult } from './backup.engine.js';
import { BackupError, errorMessage, type BackupStage } from '../backup.errors.js';
import type { BackupFileSystem, FileDigest } from '../storage/backup.filesystem.js';
import type { BackupFormat } from '../catalogue/backup.naming.js';
import { DigestStream } from './digest.stream.js';
import type { SqliteClient } from './sqlite.client.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0');

/**
 * SQLite backups: a VACUUM INTO snapshot, gzipped. Restores build the new database in a
 * temporary file beside the live one, check it, then swap it in with one atomic rename.
 *
 * The app's own connection is closed from the checks before the safety backup until the swap,
 * and reopened after, whether the restore succeeded or not. Another process holding the file (an API server
 * started separately) makes the restore refuse before anything changes: stop it first.
 */
export class SqliteBackupEngine implements BackupEngine {
  readonly engine = 'sqlite' as const;
  readonly format = 'sqlite-gzip' as const;
  private readonly logger = new Logger(SqliteBackupEngine.name);
  private readonly path: string;

  constructor(
    path: string,
    private readonly sqlite: SqliteClient,
    private readonly files: BackupFileSystem,
    private readonly connection: ReopenableConnection | undefined,
  ) {
    this.path = resolve(path);
  }

  async describe(): Promise<DatabaseDescription> {
    const { sqliteVersion, latestMigration } = this.sqlite.describe(this.path);
    return { database: basename(this.path), serverVersion: `SQLite ${sqliteVersion}`, toolVersion: 'VACUUM INTO + gzip', latestMigration };
  }

  async dump(destination: string, onProgress: (bytes: number) => void): Promise<FileDigest> {
    const snapshot = this.files.tempPathFor(destination);
    try {
      await this.sqlite.vacuumInto(this.path, snapshot).catch((error: unknown) => {
        throw new BackupError('failed', `SQLite snapshot failed: ${errorMessage(error)}`, 'dump');
      });
      const digest = new DigestStream(onProgress);
      await pipeline(this.files.createReadStream(snapshot), createGzip(), digest, this.files.createWriteStream(destination));
      return digest.digest();
    } finally {
      await this.files.remove(snapshot);
    }
  }

  async trialRestore(file: string, format: BackupFormat): Promise<TrialRestoreResult> {
    const scratch = this.files.tempPathFor(file);
    try {
      await this.expand(file, format, scratch, 'verify');
      return await this.check(scratch, 'verify');
    } finally {
      await this.files.remove(scratch);
    }
  }

  /**
   * Builds and checks the new database beside the live one, closes the app's connection and
   * makes sure no other process has the file open; the swap itself waits for `commit`.
   */
  async prepareRestore(file: string, format: BackupFormat): Promise<RestoreSession> {
    const incoming = this.files.tempPathFor(this.path);
    let closed = false;
    const end = async () => this.cleanUp(incoming, closed);
    try {
      await this.expand(file, format, incoming, 'restore');
      await this.check(incoming, 'restore');
      await this.files.fsync(incoming);
      if (this.connection?.isInitialized) {
        await this.connection.destroy();
        closed = true;
      }
      // Folds the WAL into the live file (its content is unchanged) and proves nobody else has it open.
      if ((await this.files.exists(this.path)) && !this.sqlite.detachWal(this.path)) {
        throw new BackupError('refused', 'The database is open in another process (is the API running?); stop it and retry', 'restore');
      }
    } catch (error) {
      // The first failure is the one to report; a reopen failure on top of it is logged by cleanUp.
      await end().catch(() => undefined);
      throw error;
    }
    return { commit: () => this.swap(incoming), end };
  }

  private async swap(incoming: string): Promise<void> {
    // Empty after detachWal; removed so the new file never meets the old file's WAL or shared-memory index.
    await this.files.remove(`${this.path}-wal`);
    await this.files.remove(`${this.path}-shm`);
    await this.files.rename(incoming, this.path);
  }

  /** Removes the temporary file and reopens the app's connection (whether the restore succeeded or not). */
  private async cleanUp(incoming: string, reopen: boolean): Promise<void> {
    await this.files.remove(incoming).catch((error: unknown) => this.logger.warn(`Could not remove ${incoming}: ${errorMessage(error)}`));
    if (!reopen) return;
    try {
      await this.connection?.initialize();
    } catch (error) {
      this.logger.error(`Could not reopen the database after the restore: ${errorMessage(error)}`);
      throw new BackupError('failed', 'The database could not be reopened after the restore; restart the application', 'restore');
    }
  }

  private async expand(file: string, format: BackupFormat, destination: string, stage: BackupStage): Promise<void> {
    if (format !== 'sqlite-gzip') throw new BackupError('refused', `A ${format} backup cannot be restored into SQLite`, stage);
    try {
      await pipeline(this.files.createReadStream(file), createGunzip(), this.files.createWriteStream(destination));
    } catch (error) {
      throw new BackupError('failed', `The backup could not be decompressed: ${errorMessage(error)}`, stage);
    }
    const head = await this.readHead(destination);
    if (!head.equals(SQLITE_MAGIC)) throw new BackupError('failed', 'The backup does not contain an SQLite database', stage);
  }

  private async check(path: string, stage: BackupStage): Promise<TrialRestoreResult> {
    const result = await this.sqlite.inspect(path).catch((error: unknown) => {
      throw new BackupError('failed', `The restored database cannot be read: ${errorMessage(error)}`, stage);
    });
    if (result.integrity !== 'ok') {
      throw new BackupError('failed', `The restored database failed its integrity check: ${result.integrity.slice(0, 200)}`, stage);
    }
    return result;
  }

  private async readHead(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.files.createReadStream(path, { start: 0, end: SQLITE_MAGIC.length - 1 })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
