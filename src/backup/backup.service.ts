import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { ERROR_REPORTER, type ErrorReporter } from '../common/errors/error-reporter.js';
import { BackupError, errorMessage } from './backup.errors.js';
import type { ProgressListener } from './backup.progress.js';
import { BackupCatalogue, type BackupList } from './catalogue/backup-catalogue.service.js';
import type { BackupManifest } from './catalogue/backup.manifest.js';
import { parseBackupReference } from './catalogue/backup.naming.js';
import { BackupStatusService, type BackupStatus } from './catalogue/backup-status.service.js';
import { BackupCreator, type CreateBackupOptions, type CreateBackupResult } from './create/backup-creator.service.js';
import { BACKUP_ENGINE, type BackupEngine } from './engines/backup.engine.js';
import { BACKUP_LOCK, holderFor, type BackupLock } from './lock/backup.lock.js';
import { BackupRestorer, type RestoreOptions, type RestoreResult } from './restore/backup-restorer.service.js';
import { BackupPruner, type PruneOptions, type PruneResult } from './retention/backup-pruner.service.js';
import { BackupRunner } from './runs/backup-runner.service.js';
import { BackupVerifier } from './verify/backup-verifier.service.js';

export interface ScheduledSlot {
  /** The cron time this run is for: the key that makes one replica run it. */
  slot: Date;
  /** The next slot: until then the run may wait for a backup that is still running. */
  next: Date;
  /** How long the claim on the slot is kept. */
  claimMs: number;
  verify: boolean;
  prune: boolean;
}

/**
 * The backup operations as the endpoints, the CLI and the schedule call them, each through the
 * runner (alone in this process, under the run lock, in the run journal). Failures are recorded
 * in the status (and metrics) and thrown as BackupError; `runScheduled` never throws.
 */
@Injectable()
export class BackupService implements OnApplicationShutdown {
  private readonly logger = new Logger(BackupService.name);

  constructor(
    @Inject(BACKUP_ENGINE) private readonly engine: BackupEngine,
    @Inject(BACKUP_LOCK) private readonly lock: BackupLock,
    private readonly catalogue: BackupCatalogue,
    private readonly status: BackupStatusService,
    private readonly runner: BackupRunner,
    private readonly creator: BackupCreator,
    private readonly verifier: BackupVerifier,
    private readonly pruner: BackupPruner,
    private readonly restorer: BackupRestorer,
    @Optional() @Inject(ERROR_REPORTER) private readonly errors: ErrorReporter | null = null,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.lock.close();
    this.catalogue.s3?.destroy();
  }

  get directory(): string {
    return this.catalogue.dir;
  }

  /** The database a restore would overwrite (for the confirmation prompt). */
  async databaseName(): Promise<string> {
    return (await this.engine.describe()).database;
  }

  list(): Promise<BackupList> {
    return this.catalogue.list();
  }

  /** The status from the stored journal: the same on every replica that shares it. */
  readStatus(): Promise<BackupStatus> {
    return this.status.read();
  }

  async createBackup(options: CreateBackupOptions = {}): Promise<CreateBackupResult> {
    const trigger = options.trigger ?? 'manual';
    return (await this.runner.run({ operation: 'create', trigger }, (run) =>
      this.creator.create({ ...options, trigger, onNamed: (name) => run.setBackup(name) }),
    ))!;
  }

  async verifyBackup(reference: string, onProgress?: ProgressListener): Promise<BackupManifest> {
    const stem = parseBackupReference(reference);
    return (await this.runner.run({ operation: 'verify' }, async (run) => {
      await run.setBackup(stem);
      return this.verifier.verify(stem, onProgress);
    }))!;
  }

  async restoreBackup(reference: string, options: RestoreOptions = {}): Promise<RestoreResult> {
    const stem = parseBackupReference(reference);
    return (await this.runner.run({ operation: 'restore' }, async (run) => {
      await run.setBackup(stem);
      return this.restorer.restore(stem, options);
    }))!;
  }

  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    return (await this.runner.run({ operation: 'prune' }, () => this.pruner.prune(options)))!;
  }

  /**
   * The cron body for one slot: exactly one replica claims it, waits if a backup is still running,
   * backs up, then verifies and prunes as configured. Never throws (a failure is logged, recorded
   * and reported).
   */
  async runScheduled(slot: ScheduledSlot): Promise<void> {
    const key = slot.slot.toISOString();
    try {
      // A replica still busy with the previous run leaves the slot to one that is free.
      if (this.status.running) return this.logger.warn(`Slot ${key} left to other instances: ${this.status.running} still runs here`);
      if (!(await this.lock.claimSlot(key, holderFor(this.catalogue.instance, 'slot'), slot.claimMs))) {
        return this.logger.debug(`Slot ${key} was claimed by another instance`);
      }
      await this.runner.run({ operation: 'create', trigger: 'scheduled', slot: key, waitUntil: slot.next.getTime() }, async (run) => {
        const result = await this.creator.create({ trigger: 'scheduled', slot: key, onNamed: (name) => run.setBackup(name) });
        if (slot.verify) await this.verifier.verify(result.manifest.name);
        if (slot.prune) await this.pruner.prune({});
      });
    } catch (error) {
      if (error instanceof BackupError && error.code === 'locked') {
        await this.status.recordFailure({ stage: 'lock', reason: `The backup of slot ${key} did not run: ${error.message}` }, true);
      }
      this.logger.error(`Scheduled backup failed: ${errorMessage(error)} (slot ${key})`);
      // Nobody is watching a 03:00 run: the failure is reported besides the log, status and metrics.
      this.errors?.report(error, { transaction: 'scheduled backup' });
    }
  }
}
