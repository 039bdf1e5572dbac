import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { backupConfig, type BackupConfig } from '../config/backup.config.js';
import { APP_VERSION_TOKEN } from '../backup.constants.js';
import { BackupError, errorMessage } from '../backup.errors.js';
import type { ProgressListener } from '../backup.progress.js';
import { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import { MANIFEST_VERSION, type BackupManifest, type BackupTrigger } from '../catalogue/backup.manifest.js';
import { backupFileName, backupStem } from '../catalogue/backup.naming.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { BACKUP_ENGINE, type BackupEngine, type DatabaseDescription } from '../engines/backup.engine.js';
import { BackupFileSystem, type FileDigest } from '../storage/backup.filesystem.js';

export interface CreateBackupOptions {
  trigger?: BackupTrigger;
  /** The scheduled slot it is made for. */
  slot?: string;
  onProgress?: ProgressListener;
  /** Called once the backup has its name (before its file is in place). */
  onNamed?: (name: string) => Promise<void>;
}

export interface CreateBackupResult {
  manifest: BackupManifest;
  /** `failed` keeps the local backup; the reason is in `s3Error` and in the status. */
  s3: 'uploaded' | 'failed' | 'disabled';
  s3Error?: string;
}

/**
 * Writes one backup: the engine's dump to a temporary file, flushed, its manifest, the file
 * renamed into place, then the upload to S3 with retries. A failed dump leaves no file behind; a
 * failed upload keeps the local backup. Failures are recorded in the status.
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
    const manifest = await this.write(options);
    await this.status.recordSuccess(manifest);
    this.logger.log(`Backup ${manifest.file} created (${manifest.sizeBytes} bytes in ${manifest.durationMs} ms)`);
    return this.upload(manifest, options.onProgress);
  }

  /**
   * Dumps into a temporary file, then takes the first free name by creating its manifest (a later
   * second if another backup, maybe of another database sharing the folder, has it), then moves
   * the file into place. A failure removes whatever was written.
   */
  private async write(options: CreateBackupOptions): Promise<BackupManifest> {
    const started = new Date();
    await this.files.ensureDir(this.catalogue.dir);
    const temp = this.catalogue.tempPathFor(backupFileName(backupStem(started), this.engine.format));
    let manifest: BackupManifest | undefined;
    try {
      const digest = await this.engine.dump(temp, (bytes) => options.onProgress?.({ stage: 'dump', bytes }));
      const description = await this.engine.describe();
      if (digest.sizeBytes === 0) throw new BackupError('failed', 'The dump is empty', 'dump');
      await this.files.fsync(temp);
      const durationMs = Date.now() - started.getTime();
      manifest = await this.catalogue
        .reserve(started, (stem) => this.manifestFor(stem, started, durationMs, digest, description, options))
        .catch((error: unknown) => {
          throw new BackupError('failed', `The manifest could not be written: ${errorMessage(error)}`, 'manifest');
        });
      await options.onNamed?.(manifest.name);
      await this.files.rename(temp, this.catalogue.pathOf(manifest.file));
      return manifest;
    } catch (error) {
      await this.files.remove(temp);
      if (manifest) await this.catalogue.removeLocal(manifest.name);
      const failure = error instanceof BackupError ? error : new BackupError('failed', errorMessage(error), 'dump');
      this.logger.error(`Backup failed: ${failure.message}`);
      await this.status.recordFailure({ stage: failure.stage ?? 'dump', reason: failure.message }, true);
      throw failure;
    }
  }

  private manifestFor(
    stem: string,
    started: Date,
    durationMs: number,
    digest: FileDigest,
    description: DatabaseDescription,
    options: CreateBackupOptions,
  ): BackupManifest {
    return {
      manifestVersion: MANIFEST_VERSION,
      name: stem,
      file: backupFileName(stem, this.engine.format),
      engine: this.engine.engine,
      format: this.engine.format,
      sizeBytes: digest.sizeBytes,
      sha256: digest.sha256,
      createdAt: started.toISOString(),
      durationMs,
      trigger: options.trigger ?? 'manual',
      ...(options.slot ? { slot: options.slot } : {}),
      database: description.database,
      databaseId: this.catalogue.identity.id,
      serverVersion: description.serverVersion,
      toolVersion: description.toolVersion,
      appVersion: this.appVersion,
      latestMigration: description.latestMigration,
    };
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
