import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { errorMessage } from '../backup.errors.js';
import { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { interruptRuns, unfinishedRuns } from '../catalogue/run-journal.js';
import { RunJournal } from '../catalogue/run-journal.service.js';
import { BACKUP_LOCK, holderFor, type BackupLock } from '../lock/backup.lock.js';
import { BackupFileSystem } from '../storage/backup.filesystem.js';

const TEMPORARY = /^\.mentorhub_backup_.*\.partial$/;
/** Small temporary files (manifests, the journal) are renamed within milliseconds; one this old has no writer left. */
const ABANDONED_AFTER_MS = 3600_000;

/**
 * Cleans up after runs whose process died (killed, crashed, out of memory): while it holds the run
 * lock no run is live anywhere, so this database's partial files are orphans and the runs the
 * journal still shows as running never finish. Those runs are recorded as failed ("interrupted")
 * and counted. It runs at start, before every run, and when the journal shows an unfinished run.
 */
@Injectable()
export class BackupRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(BackupRecovery.name);

  constructor(
    @Inject(BACKUP_LOCK) private readonly lock: BackupLock,
    private readonly catalogue: BackupCatalogue,
    private readonly files: BackupFileSystem,
    private readonly journal: RunJournal,
    private readonly status: BackupStatusService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recoverIfIdle();
  }

  /** Reads the journal again and cleans up when it shows a run that is not running any more. */
  async refresh(): Promise<void> {
    const state = await this.journal.refresh();
    this.status.publish();
    if (unfinishedRuns(state, new Set()).length > 0) await this.recoverIfIdle();
  }

  /** Cleans up when no run holds the lock anywhere; does nothing (the next run will) otherwise. */
  async recoverIfIdle(): Promise<void> {
    let handle;
    try {
      handle = await this.lock.tryAcquire(holderFor(this.catalogue.instance, 'recovery'));
    } catch (error) {
      this.logger.warn(`Could not check for interrupted backups (the backup lock is unavailable): ${errorMessage(error)}`);
      return;
    }
    if (!handle) return;
    try {
      await this.recover(new Set());
    } finally {
      await handle.release().catch((error: unknown) => this.logger.warn(`Could not release the backup lock: ${errorMessage(error)}`));
    }
  }

  /** With the run lock held: everything but the `live` runs is dead. */
  async recover(live: ReadonlySet<string>): Promise<void> {
    await this.removeOrphans();
    const dead = unfinishedRuns(await this.journal.refresh(), live);
    if (dead.length === 0) return;
    for (const run of dead) {
      this.logger.warn(`The ${run.operation} run started at ${run.startedAt} on instance ${run.instance} was interrupted`);
      this.status.countFailure('interrupted', run.operation === 'create');
      // A backup whose name was taken but whose file never arrived leaves only its manifest.
      if (run.operation === 'create' && run.backup) await this.removeIfIncomplete(run.backup);
    }
    await this.journal.update((state) => interruptRuns(state, unfinishedRuns(state, live), new Date()));
    this.status.publish();
  }

  private async removeOrphans(): Promise<void> {
    for (const file of await this.files.list(this.catalogue.dir)) {
      if (!TEMPORARY.test(file)) continue;
      const path = this.catalogue.pathOf(file);
      const ours = file.includes(`.${this.catalogue.identity.id}.`);
      if (ours || Date.now() - ((await this.files.modifiedAt(path)) ?? Date.now()) > ABANDONED_AFTER_MS) {
        await this.files.remove(path);
        this.logger.warn(`Removed ${file}, left behind by an interrupted backup`);
      }
    }
  }

  private async removeIfIncomplete(stem: string): Promise<void> {
    const manifest = await this.catalogue.readManifest(stem);
    if (manifest && !(await this.files.exists(this.catalogue.pathOf(manifest.file)))) await this.catalogue.removeLocal(stem);
  }
}
