import { Inject, Injectable, Logger } from '@nestjs/common';
import { BackupError, errorMessage } from '../backup.errors.js';
import type { ProgressListener } from '../backup.progress.js';
import { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import type { BackupManifest, BackupVerification } from '../catalogue/backup.manifest.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { belongsTo, describeOrigin } from '../catalogue/database-identity.js';
import { BACKUP_ENGINE, type BackupEngine } from '../engines/backup.engine.js';

/**
 * Proves a backup restores: its checksum, then a trial restore into scratch space (a temporary
 * database or file) with row counts. The result goes into its manifest, on disk and in S3.
 */
@Injectable()
export class BackupVerifier {
  private readonly logger = new Logger(BackupVerifier.name);

  constructor(
    @Inject(BACKUP_ENGINE) private readonly engine: BackupEngine,
    private readonly catalogue: BackupCatalogue,
    private readonly status: BackupStatusService,
  ) {}

  async verify(stem: string, onProgress?: ProgressListener): Promise<BackupManifest> {
    let manifest: BackupManifest | undefined;
    const started = Date.now();
    try {
      const located = await this.catalogue.locate(stem, onProgress);
      manifest = located.manifest;
      if (!belongsTo(manifest, this.catalogue.identity)) {
        throw new BackupError(
          'refused',
          `${stem} is a backup of another ${describeOrigin(manifest)}; verify it where that database runs`,
          'verify',
        );
      }
      await this.catalogue.checkChecksum(manifest, located.path, 'verify');
      onProgress?.({ stage: 'verify' });
      const result = await this.engine.trialRestore(located.path, manifest.format);
      manifest = await this.save(manifest, {
        ok: true,
        verifiedAt: new Date().toISOString(),
        durationMs: Date.now() - started,
        integrity: result.integrity,
        rowCounts: result.rowCounts,
      });
      await this.status.recordVerified(manifest);
      this.logger.log(`Backup ${manifest.file} verified (${Object.keys(result.rowCounts).length} tables)`);
      return manifest;
    } catch (error) {
      throw await this.failed(stem, manifest, started, error);
    }
  }

  /** Records the failure (in the manifest too, unless the backup was refused untried) and returns it to throw. */
  private async failed(stem: string, manifest: BackupManifest | undefined, started: number, error: unknown): Promise<BackupError> {
    const failure = error instanceof BackupError ? error : new BackupError('failed', errorMessage(error), 'verify');
    if (manifest && failure.code !== 'refused') {
      const verification = { ok: false, verifiedAt: new Date().toISOString(), durationMs: Date.now() - started, error: failure.message };
      await this.save(manifest, verification).catch(() => undefined);
    }
    if (failure.code !== 'invalid_name' && failure.code !== 'not_found') {
      await this.status.recordFailure({ stage: 'verify', reason: failure.message, name: stem }, false);
    }
    return failure;
  }

  private async save(manifest: BackupManifest, verification: BackupVerification): Promise<BackupManifest> {
    const updated = { ...manifest, verification };
    await this.catalogue.publishManifest(updated);
    return updated;
  }
}
