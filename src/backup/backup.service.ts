import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { backupConfig, MIN_RETENTION_DAYS, type BackupConfig } from './backup.config.js';
import { APP_VERSION_TOKEN, S3_BACKUP_STORE } from './backup.constants.js';
import { BACKUP_ENGINE, type BackupEngine } from './backup.engine.js';
import { BackupError, type BackupStage } from './backup.errors.js';
import { BackupFileSystem } from './backup.filesystem.js';
import { BACKUP_LOCK, type BackupLock } from './backup.lock.js';
import { isManifest, MANIFEST_VERSION, type BackupManifest, type BackupTrigger, type BackupVerification } from './backup.manifest.js';
import {
  backupFileName,
  backupStem,
  formatOfFile,
  manifestFileName,
  parseBackupReference,
  stemOfFile,
  timeOfStem,
} from './backup.naming.js';
import { planRetention } from './backup.retention.js';
import { BackupStatusService } from './backup-status.service.js';
import type { S3BackupStore } from './s3-backup.store.js';
import { ERROR_REPORTER, type ErrorReporter } from '../common/errors/error-reporter.js';

export type ProgressStage = 'dump' | 'upload' | 'download' | 'verify' | 'safety-backup' | 'restore';

export interface BackupProgress {
  stage: ProgressStage;
  bytes?: number;
  total?: number;
}

export type ProgressListener = (progress: BackupProgress) => void;

export interface CreateBackupOptions {
  trigger?: BackupTrigger;
  onProgress?: ProgressListener;
}

export interface CreateBackupResult {
  manifest: BackupManifest;
  /** `failed` keeps the local backup; the reason is in `s3Error` and in the status. */
  s3: 'uploaded' | 'failed' | 'disabled';
  s3Error?: string;
}

export interface BackupListItem {
  name: string;
  file: string | null;
  createdAt: string;
  local: boolean;
  s3: boolean;
  sizeBytes: number | null;
  manifest: BackupManifest | null;
}

export interface BackupList {
  items: BackupListItem[];
  s3: { enabled: boolean; error?: string };
}

export interface PruneOptions {
  /** Overrides BACKUP_RETENTION_DAYS for this run (below 7 needs `force`). */
  retentionDays?: number;
  force?: boolean;
}

export interface PruneResult {
  retentionDays: number;
  kept: string[];
  deleted: string[];
  s3Error?: string;
}

export interface RestoreResult {
  restored: string;
  safetyBackup: string;
  database: string;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function asBackupError(error: unknown, stage: BackupStage): BackupError {
  if (error instanceof BackupError) return error;
  return new BackupError('failed', reason(error), stage);
}

/**
 * Creates, lists, verifies, restores and prunes backups. Every operation runs alone in this
 * process; create, restore and prune also take the cross-replica lock. Failures are recorded in
 * the status (and metrics) and thrown as BackupError; `runScheduled` never throws.
 */
@Injectable()
export class BackupService implements OnApplicationShutdown {
  private readonly logger = new Logger(BackupService.name);
  private readonly dir: string;

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    @Inject(BACKUP_ENGINE) private readonly engine: BackupEngine,
    @Inject(BACKUP_LOCK) private readonly lock: BackupLock,
    @Inject(APP_VERSION_TOKEN) private readonly appVersion: string,
    private readonly files: BackupFileSystem,
    private readonly status: BackupStatusService,
    @Optional() @Inject(S3_BACKUP_STORE) private readonly s3: S3BackupStore | null = null,
    @Optional() @Inject(ERROR_REPORTER) private readonly errors: ErrorReporter | null = null,
  ) {
    this.dir = resolve(config.dir);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lock.close();
    this.s3?.destroy();
  }

  get directory(): string {
    return this.dir;
  }

  /** The database a restore would overwrite (for the confirmation prompt). */
  async databaseName(): Promise<string> {
    return (await this.engine.describe()).database;
  }

  async createBackup(options: CreateBackupOptions = {}): Promise<CreateBackupResult> {
    return this.exclusive('create', () => this.locked(0, () => this.create(options)));
  }

  async verifyBackup(reference: string, onProgress?: ProgressListener): Promise<BackupManifest> {
    const stem = parseBackupReference(reference);
    return this.exclusive('verify', () => this.verify(stem, onProgress));
  }

  /**
   * Checks the backup's checksum, takes a safety backup of the current database, then restores.
   * A corrupted backup is refused before anything is touched; a failing restore leaves the
   * database as it was (one transaction on PostgreSQL, an atomic file swap on SQLite).
   */
  async restoreBackup(reference: string, onProgress?: ProgressListener): Promise<RestoreResult> {
    const stem = parseBackupReference(reference);
    return this.exclusive('restore', () =>
      this.locked(0, async () => {
        try {
          const { manifest, path } = await this.locate(stem, onProgress);
          if (manifest.engine !== this.engine.engine) {
            throw new BackupError('refused', `${stem} is a ${manifest.engine} backup; this database is ${this.engine.engine}`, 'restore');
          }
          await this.checkChecksum(manifest, path, 'restore');
          onProgress?.({ stage: 'safety-backup' });
          const safety = await this.create({ trigger: 'pre-restore', onProgress }).catch((error: unknown) => {
            throw new BackupError('failed', `No safety backup could be taken, nothing was restored: ${reason(error)}`, 'restore');
          });
          onProgress?.({ stage: 'restore' });
          await this.engine.restore(path, manifest.format);
          this.logger.log(`Restored ${manifest.file} (safety backup ${safety.manifest.file})`);
          return { restored: manifest.name, safetyBackup: safety.manifest.name, database: manifest.database };
        } catch (error) {
          const failure = asBackupError(error, 'restore');
          await this.status.recordFailure({ stage: 'restore', reason: failure.message, name: stem }, false);
          throw failure;
        }
      }),
    );
  }

  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    return this.exclusive('prune', () => this.locked(0, () => this.pruneNow(options)));
  }

  /**
   * The cron body: backup, then verification and pruning as configured. Never throws (a
   * failure is logged and counted); skips when another run holds the lock.
   */
  async runScheduled(): Promise<void> {
    try {
      await this.exclusive('create', () =>
        this.locked(this.config.lockSettleMs, async () => {
          const result = await this.create({ trigger: 'scheduled' });
          if (this.config.verifyAfterBackup) await this.verify(result.manifest.name);
          if (this.config.pruneAfterBackup) await this.pruneNow({});
        }),
      );
    } catch (error) {
      if (error instanceof BackupError && (error.code === 'locked' || error.code === 'in_progress')) {
        this.logger.log(`Scheduled backup skipped: ${error.message}`);
        return;
      }
      this.logger.error(`Scheduled backup failed: ${reason(error)}`);
      // Nobody is watching a 03:00 run: the failure is reported besides the log, status and metrics.
      this.errors?.report(error, { transaction: 'scheduled backup' });
    }
  }

  /**
   * Replicas share S3, not their status files: the newest verified backup there counts for the
   * freshness of every replica, whichever one won the lock and made it.
   */
  async refreshStatusFromS3(): Promise<void> {
    if (!this.s3) return;
    const { items } = await this.list();
    const verified = items.flatMap((item) => (item.manifest?.verification?.ok ? [item.manifest] : []));
    const newest = verified.sort((a, b) => a.createdAt.localeCompare(b.createdAt)).at(-1);
    if (newest) await this.status.recordVerified(newest);
  }

  async list(): Promise<BackupList> {
    const entries = new Map<string, BackupListItem>();
    const entry = (stem: string): BackupListItem => {
      let item = entries.get(stem);
      if (!item) {
        item = {
          name: stem,
          file: null,
          createdAt: timeOfStem(stem).toISOString(),
          local: false,
          s3: false,
          sizeBytes: null,
          manifest: null,
        };
        entries.set(stem, item);
      }
      return item;
    };
    for (const file of await this.files.list(this.dir)) {
      const stem = stemOfFile(file);
      if (!stem) continue;
      const item = entry(stem);
      if (formatOfFile(file)) {
        item.file = file;
        item.local = true;
        item.sizeBytes = (await this.files.size(join(this.dir, file))) ?? null;
      } else {
        item.manifest = await this.readLocalManifest(stem);
        if (item.manifest) item.createdAt = item.manifest.createdAt;
      }
    }
    const s3 = { enabled: this.s3 !== null, error: undefined as string | undefined };
    if (this.s3) {
      try {
        for (const object of await this.s3.list()) {
          const file = object.key.slice(object.key.lastIndexOf('/') + 1);
          const stem = stemOfFile(file);
          if (!stem || object.key !== this.s3.keyOf(file)) continue;
          const item = entry(stem);
          if (formatOfFile(file)) {
            item.s3 = true;
            item.file ??= file;
            item.sizeBytes ??= object.sizeBytes;
          }
        }
        for (const item of entries.values()) {
          if (item.s3 && !item.manifest) {
            item.manifest = this.parseManifest(item.name, await this.s3.getText(manifestFileName(item.name)));
            if (item.manifest) item.createdAt = item.manifest.createdAt;
          }
        }
      } catch (error) {
        s3.error = `S3 listing failed: ${reason(error)}`;
        this.logger.warn(s3.error);
      }
    }
    const items = [...entries.values()].filter((item) => item.file !== null).sort((a, b) => b.name.localeCompare(a.name));
    return { items, s3: s3.error ? s3 : { enabled: s3.enabled } };
  }

  private async exclusive<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const running = this.status.running;
    if (running) throw new BackupError('in_progress', `A backup operation (${running}) is already running`);
    this.status.setRunning(operation);
    try {
      return await run();
    } finally {
      this.status.setRunning(null);
    }
  }

  private async locked<T>(holdMs: number, run: () => Promise<T>): Promise<T> {
    let handle;
    try {
      handle = await this.lock.tryAcquire();
    } catch (error) {
      await this.status.recordFailure({ stage: 'lock', reason: `The backup lock is unavailable: ${reason(error)}` }, true);
      throw new BackupError('failed', 'The backup lock is unavailable', 'lock');
    }
    if (!handle) throw new BackupError('locked', 'A backup operation is already running on another instance');
    try {
      return await run();
    } finally {
      await handle.release(holdMs).catch((error: unknown) => this.logger.warn(`Could not release the backup lock: ${reason(error)}`));
    }
  }

  private async create(options: CreateBackupOptions): Promise<CreateBackupResult> {
    const started = new Date();
    await this.files.ensureDir(this.dir);
    const stem = await this.freeStem(started);
    const file = backupFileName(stem, this.engine.format);
    const path = join(this.dir, file);
    const temp = this.files.tempPathFor(path);
    let manifest: BackupManifest;
    try {
      const digest = await this.engine.dump(temp, (bytes) => options.onProgress?.({ stage: 'dump', bytes }));
      const description = await this.engine.describe();
      if (digest.sizeBytes === 0) throw new BackupError('failed', 'The dump is empty', 'dump');
      await this.files.fsync(temp);
      await this.files.rename(temp, path);
      manifest = {
        manifestVersion: MANIFEST_VERSION,
        name: stem,
        file,
        engine: this.engine.engine,
        format: this.engine.format,
        sizeBytes: digest.sizeBytes,
        sha256: digest.sha256,
        createdAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        trigger: options.trigger ?? 'manual',
        database: description.database,
        serverVersion: description.serverVersion,
        toolVersion: description.toolVersion,
        appVersion: this.appVersion,
        latestMigration: description.latestMigration,
      };
    } catch (error) {
      await this.files.remove(temp);
      const failure = asBackupError(error, 'dump');
      this.logger.error(`Backup failed: ${failure.message}`);
      await this.status.recordFailure({ stage: failure.stage ?? 'dump', reason: failure.message }, true);
      throw failure;
    }
    try {
      await this.writeManifest(manifest);
    } catch (error) {
      // A backup without its manifest cannot be checked before a restore: it is not a backup.
      await this.files.remove(path);
      const failure = new BackupError('failed', `The manifest could not be written: ${reason(error)}`, 'manifest');
      await this.status.recordFailure({ stage: 'manifest', reason: failure.message }, true);
      throw failure;
    }
    await this.status.recordSuccess(manifest);
    this.logger.log(`Backup ${file} created (${manifest.sizeBytes} bytes in ${manifest.durationMs} ms)`);
    return this.upload(manifest, options.onProgress);
  }

  /** Uploads with retries and exponential backoff; a failure keeps the local backup and is recorded. */
  private async upload(manifest: BackupManifest, onProgress?: ProgressListener): Promise<CreateBackupResult> {
    if (!this.s3) return { manifest, s3: 'disabled' };
    const path = join(this.dir, manifest.file);
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.config.s3!.retries; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, this.config.s3!.retryDelayMs * 2 ** (attempt - 1)));
      try {
        const copy = await this.s3.upload(path, manifest.file, manifest.sha256, (bytes, total) =>
          onProgress?.({ stage: 'upload', bytes, total }),
        );
        const uploaded = { ...manifest, s3: copy };
        await this.writeManifest(uploaded);
        await this.s3.putText(manifestFileName(manifest.name), JSON.stringify(uploaded, null, 2));
        this.logger.log(`Backup ${manifest.file} uploaded to s3://${this.s3.bucket}/${copy.key} (checked by ${copy.checkedBy})`);
        return { manifest: uploaded, s3: 'uploaded' };
      } catch (error) {
        lastError = error;
        this.logger.warn(`S3 upload of ${manifest.file} failed (attempt ${attempt + 1}): ${reason(error)}`);
      }
    }
    const message = `S3 upload failed: ${reason(lastError)}`;
    await this.status.recordFailure({ stage: 's3-upload', reason: message, name: manifest.name }, false);
    return { manifest, s3: 'failed', s3Error: message };
  }

  private async verify(stem: string, onProgress?: ProgressListener): Promise<BackupManifest> {
    let manifest: BackupManifest | undefined;
    const started = Date.now();
    try {
      const located = await this.locate(stem, onProgress);
      manifest = located.manifest;
      if (manifest.engine !== this.engine.engine) {
        throw new BackupError(
          'refused',
          `${stem} is a ${manifest.engine} backup; this server verifies ${this.engine.engine} backups`,
          'verify',
        );
      }
      await this.checkChecksum(manifest, located.path, 'verify');
      onProgress?.({ stage: 'verify' });
      const result = await this.engine.trialRestore(located.path, manifest.format);
      const verification: BackupVerification = {
        ok: true,
        verifiedAt: new Date().toISOString(),
        durationMs: Date.now() - started,
        integrity: result.integrity,
        rowCounts: result.rowCounts,
      };
      manifest = await this.saveVerification(manifest, verification);
      await this.status.recordVerified(manifest);
      this.logger.log(`Backup ${manifest.file} verified (${Object.keys(result.rowCounts).length} tables)`);
      return manifest;
    } catch (error) {
      const failure = asBackupError(error, 'verify');
      if (manifest && failure.code !== 'refused') {
        const verification = { ok: false, verifiedAt: new Date().toISOString(), durationMs: Date.now() - started, error: failure.message };
        await this.saveVerification(manifest, verification).catch(() => undefined);
      }
      if (failure.code !== 'invalid_name' && failure.code !== 'not_found') {
        await this.status.recordFailure({ stage: 'verify', reason: failure.message, name: stem }, false);
      }
      throw failure;
    }
  }

  private async saveVerification(manifest: BackupManifest, verification: BackupVerification): Promise<BackupManifest> {
    const updated = { ...manifest, verification };
    await this.writeManifest(updated);
    if (this.s3 && updated.s3) await this.s3.putText(manifestFileName(updated.name), JSON.stringify(updated, null, 2));
    return updated;
  }

  private async pruneNow(options: PruneOptions): Promise<PruneResult> {
    try {
      const retentionDays = options.retentionDays ?? this.config.retentionDays;
      if (retentionDays < MIN_RETENTION_DAYS && !(options.force || this.config.retentionForce)) {
        throw new BackupError('refused', `Retention below ${MIN_RETENTION_DAYS} days (${retentionDays}) needs --force`, 'prune');
      }
      if (this.status.getStatus().lastRunOk === false) {
        throw new BackupError('refused', 'The newest backup run failed; nothing is pruned until a backup succeeds', 'prune');
      }
      const listing = await this.list();
      const newest = listing.items[0];
      if (newest?.manifest?.verification?.ok === false) {
        throw new BackupError('refused', `The newest backup ${newest.name} failed its verification; nothing is pruned`, 'prune');
      }
      const plan = planRetention(
        listing.items.map((item) => ({ stem: item.name, time: timeOfStem(item.name), verified: item.manifest?.verification?.ok === true })),
        { now: new Date(), retentionDays, keepLast: this.config.keepLast },
      );
      let s3Error = listing.s3.error;
      for (const stem of plan.remove) {
        const item = listing.items.find((candidate) => candidate.name === stem)!;
        if (item.local) await this.removeLocal(stem);
        if (item.s3 && this.s3 && item.file) {
          try {
            await this.s3.delete(item.file);
            await this.s3.delete(manifestFileName(stem));
          } catch (error) {
            s3Error = `S3 delete failed: ${reason(error)}`;
          }
        }
        this.logger.log(`Pruned backup ${stem}`);
      }
      if (s3Error) await this.status.recordFailure({ stage: 'prune', reason: s3Error }, false);
      return { retentionDays, kept: plan.keep, deleted: plan.remove, ...(s3Error ? { s3Error } : {}) };
    } catch (error) {
      const failure = asBackupError(error, 'prune');
      await this.status.recordFailure({ stage: 'prune', reason: failure.message }, false);
      throw failure;
    }
  }

  /** Only names matching our pattern are ever deleted. */
  private async removeLocal(stem: string): Promise<void> {
    for (const file of await this.files.list(this.dir)) {
      if (stemOfFile(file) === stem) await this.files.remove(join(this.dir, file));
    }
  }

  /** The backup file and its manifest, downloaded from S3 when they are not on disk. */
  private async locate(stem: string, onProgress?: ProgressListener): Promise<{ manifest: BackupManifest; path: string }> {
    const local = await this.readLocalManifest(stem);
    if (local && (await this.files.exists(join(this.dir, local.file)))) return { manifest: local, path: join(this.dir, local.file) };
    if (!this.s3) throw new BackupError('not_found', `Backup ${stem} not found (or its manifest is missing)`);
    const manifest = local ?? this.parseManifest(stem, await this.s3.getText(manifestFileName(stem)));
    if (!manifest) throw new BackupError('not_found', `Backup ${stem} not found locally or in S3`);
    await this.files.ensureDir(this.dir);
    const path = join(this.dir, manifest.file);
    const temp = this.files.tempPathFor(path);
    onProgress?.({ stage: 'download', total: manifest.sizeBytes });
    try {
      if (!(await this.s3.download(manifest.file, temp)))
        throw new BackupError('not_found', `Backup file ${manifest.file} is missing in S3`);
      await this.files.rename(temp, path);
    } finally {
      await this.files.remove(temp);
    }
    if (!local) await this.writeManifest(manifest);
    return { manifest, path };
  }

  private async checkChecksum(manifest: BackupManifest, path: string, stage: BackupStage): Promise<void> {
    const digest = await this.files.digest(path);
    if (digest.sha256 !== manifest.sha256 || digest.sizeBytes !== manifest.sizeBytes) {
      throw new BackupError(
        'checksum_mismatch',
        `Backup ${manifest.name} does not match its manifest checksum (corrupted); nothing was changed`,
        stage,
      );
    }
  }

  private async readLocalManifest(stem: string): Promise<BackupManifest | null> {
    try {
      return this.parseManifest(stem, await this.files.readText(join(this.dir, manifestFileName(stem))));
    } catch {
      return null;
    }
  }

  /** A manifest is trusted only if it names its own backup: a file name from it never leaves BACKUP_DIR. */
  private parseManifest(stem: string, text: string | undefined): BackupManifest | null {
    if (text === undefined) return null;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return null;
    }
    if (!isManifest(value) || value.name !== stem) return null;
    const format = formatOfFile(value.file);
    if (!format || value.file !== backupFileName(stem, format) || format !== value.format) return null;
    return value;
  }

  private async writeManifest(manifest: BackupManifest): Promise<void> {
    await this.files.writeTextAtomic(join(this.dir, manifestFileName(manifest.name)), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  /** The stem for a backup started now; a later second if that name is taken (two backups in one second). */
  private async freeStem(time: Date): Promise<string> {
    const taken = new Set((await this.files.list(this.dir)).map((file) => stemOfFile(file)).filter(Boolean));
    let candidate = time;
    while (taken.has(backupStem(candidate))) candidate = new Date(candidate.getTime() + 1000);
    return backupStem(candidate);
  }
}
