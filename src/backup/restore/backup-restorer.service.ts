import { Inject, Injectable, Logger } from '@nestjs/common';
import { BackupError, errorMessage } from '../backup.errors.js';
import type { ProgressListener } from '../backup.progress.js';
import { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { belongsTo, describeOrigin } from '../catalogue/database-identity.js';
import { BackupCreator } from '../create/backup-creator.service.js';
import { BACKUP_ENGINE, type BackupEngine } from '../engines/backup.engine.js';

export interface RestoreOptions {
  /** Restore a backup of another database (see databaseIdentity) over this one. */
  otherDatabase?: boolean;
  onProgress?: ProgressListener;
}

export interface RestoreResult {
  restored: string;
  safetyBackup: string;
  database: string;
  /** Set when the backup came from another database: which one. */
  fromOtherDatabase?: string;
}

/**
 * Restores a backup over the live database. Everything that can refuse is checked before anything
 * is written: the backup's engine and checksum, then the engine's own checks (an SQLite file that
 * another process holds open). Only then is a safety backup of the current content taken, and the
 * restore done; a failing restore leaves the database as it was (one transaction on PostgreSQL,
 * an atomic file swap on SQLite).
 */
@Injectable()
export class BackupRestorer {
  private readonly logger = new Logger(BackupRestorer.name);

  constructor(
    @Inject(BACKUP_ENGINE) private readonly engine: BackupEngine,
    private readonly catalogue: BackupCatalogue,
    private readonly creator: BackupCreator,
    private readonly status: BackupStatusService,
  ) {}

  async restore(stem: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    const { onProgress } = options;
    try {
      const { manifest, path } = await this.catalogue.locate(stem, onProgress);
      if (manifest.engine !== this.engine.engine) {
        throw new BackupError('refused', `${stem} is a ${manifest.engine} backup; this database is ${this.engine.engine}`, 'restore');
      }
      const foreign = belongsTo(manifest, this.catalogue.identity) ? undefined : describeOrigin(manifest);
      if (foreign && !options.otherDatabase) {
        throw new BackupError(
          'refused',
          `${stem} is a backup of another ${foreign}, not of "${this.catalogue.identity.name}" (${this.catalogue.identity.id}); restoring it here needs --other-database`,
          'restore',
        );
      }
      if (foreign) this.logger.warn(`Restoring ${stem}, a backup of another ${foreign}, over "${this.catalogue.identity.name}"`);
      await this.catalogue.checkChecksum(manifest, path, 'restore');
      const session = await this.engine.prepareRestore(path, manifest.format);
      let safety: string;
      try {
        onProgress?.({ stage: 'safety-backup' });
        const created = await this.creator.create({ trigger: 'pre-restore', onProgress }).catch((error: unknown) => {
          throw new BackupError('failed', `No safety backup could be taken, nothing was restored: ${errorMessage(error)}`, 'restore');
        });
        safety = created.manifest.name;
        onProgress?.({ stage: 'restore' });
        await session.commit();
      } catch (error) {
        // The first failure is the one to report; the session logs its own clean-up failures.
        await session.end().catch(() => undefined);
        throw error;
      }
      await session.end();
      this.logger.log(`Restored ${manifest.file} (safety backup ${safety})`);
      return {
        restored: manifest.name,
        safetyBackup: safety,
        database: this.catalogue.identity.name,
        ...(foreign ? { fromOtherDatabase: foreign } : {}),
      };
    } catch (error) {
      const failure = error instanceof BackupError ? error : new BackupError('failed', errorMessage(error), 'restore');
      await this.status.recordFailure({ stage: 'restore', reason: failure.message, name: stem }, false);
      throw failure;
    }
  }
}
