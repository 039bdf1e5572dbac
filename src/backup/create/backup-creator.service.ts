import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { backupConfig, type BackupConfig } from '../backup.config.js';
import { APP_VERSION_TOKEN } from '../backup.constants.js';
import { BackupError, errorMessage } from '../backup.errors.js';
import type { ProgressListener } from '../backup.progress.js';
import { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import { MANIFEST_VERSION, type BackupManifest, type BackupTrigger } from '../catalogue/backup.manifest.js';
import { backupFileName } from '../catalogue/backup.naming.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { BACKUP_ENGINE, type BackupEngine } from '../engines/backup.engine.js';
import { BackupFileSystem } from '../storage/backup.filesystem.js';

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

/**
 * Writes one backup: the engine's dump to a temporary file, flushed and renamed into place, its
 * manifest, then the upload to S3 with retries. A failed dump leaves no file behind; a failed
 * upload keeps the local backup. Failures are recorded in the status.
 */
@Injectable()
export class BackupCreator {
  private readonly logger = new Logger(BackupCreator.name);

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    @Inject(BACKUP_ENGINE) private readonly engine: BackupEngine,
    @Inject(APP_VERSION_TOKEN) private readonly appVersion: string,
    private readonly files: BackupFileSystem,
    private readonly catalogue: BackupCatalogue,
    private readonly status: BackupStatusService,
  ) {}

  async create(options: CreateBackupOptions = {}): Promise<CreateBackupResult> {
    const manifest = await this.dump(options);
    try {
      await this.catalogue.writeManifest(manifest);
    } catch (error) {
      // A backup without its manifest cannot be checked before a restore: it is not a backup.
      await this.files.remove(this.catalogue.pathOf(manifest.file));
      const failure = new BackupError('failed', `The manifest could not be written: ${errorMessage(error)}`, 'manifest');
      await this.status.recordFailure({ stage: 'manifest', reason: failure.message }, true);
      throw failure;
    }
    await this.status.recordSuccess(manifest);
    this.logger.log(`Backup ${manifest.file} created (${manifest.sizeBytes} bytes in ${manifest.durationMs} ms)`);
    return this.upload(manifest, options.onProgress);
  }

  private async dump(options: CreateBackupOptions): Promise<BackupManifest> {
    const started = new Date();
    await this.files.ensureDir(this.catalogue.dir);
    const stem = await this.catalogue.freeStem(started);
    const file = backupFileName(stem, this.engine.format);
    const path = this.catalogue.pathOf(file);
    const temp = this.files.tempPathFor(path);
    try {
      const digest = await this.engine.dump(temp, (bytes) => options.onProgress?.({ stage: 'dump', bytes }));
      const description = await this.engine.describe();
      if (digest.sizeBytes === 0) throw new BackupError('failed', 'The dump is empty', 'dump');
      await this.files.fsync(temp);
      await this.files.rename(temp, path);
      return {
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
      const failure = error instanceof BackupError ? error : new BackupError('failed', errorMessage(error), 'dump');
      this.logger.error(`Backup failed: ${failure.message}`);
      await this.status.recordFailure({ stage: failure.stage ?? 'dump', reason: failure.message }, true);
      throw failure;
    }
  }

  /** Uploads with retries and exponential backoff; a failure keeps the local backup and is recorded. */
  private async upload(manifest: BackupManifest, onProgress?: ProgressListener): Promise<CreateBackupResult> {
    const s3 = this.catalogue.s3;
    const settings = this.config.s3;
    if (!s3 || !settings) return { manifest, s3: 'disabled' };
    let lastError: unknown;
    for (let attempt = 0; attempt <= settings.retries; attempt++) {
      if (attempt > 0) await delay(settings.retryDelayMs * 2 ** (attempt - 1));
      try {
        const copy = await s3.upload(this.catalogue.pathOf(manifest.file), manifest.file, manifest.sha256, (bytes, total) =>
          onProgress?.({ stage: 'upload', bytes, total }),
        );
        const uploaded = { ...manifest, s3: copy };
        await this.catalogue.publishManifest(uploaded);
        this.logger.log(`Backup ${manifest.file} uploaded to s3://${s3.bucket}/${copy.key} (checked by ${copy.checkedBy})`);
        return { manifest: uploaded, s3: 'uploaded' };
      } catch (error) {
        lastError = error;
        this.logger.warn(`S3 upload of ${manifest.file} failed (attempt ${attempt + 1}): ${errorMessage(error)}`);
      }
    }
    const message = `S3 upload failed: ${errorMessage(lastError)}`;
    await this.status.recordFailure({ stage: 's3-upload', reason: message, name: manifest.name }, false);
    return { manifest, s3: 'failed', s3Error: message };
  }
}
