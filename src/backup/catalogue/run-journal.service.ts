import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { S3_BACKUP_STORE } from '../backup.constants.js';
import { errorMessage } from '../backup.errors.js';
import { BackupFileSystem } from '../storage/backup.filesystem.js';
import type { S3BackupStore } from '../storage/s3-backup.store.js';
import { BackupCatalogue } from './backup-catalogue.service.js';
import { adoptManifest, emptyJournal, parseJournal, type JournalState } from './run-journal.js';

/**
 * Status of releases before the run journal; read once, when this database has no journal yet,
 * so a deployment keeps its last success and first-period start across the upgrade.
 */
export const LEGACY_STATUS_FILE = '.mentorhub_backup_status.json';

interface JournalStore {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/**
 * The run journal of this database (see JournalState): in S3 beside the backups when S3 is
 * configured, so every replica reads the same one, else in the backup folder (per database, so
 * databases sharing a folder keep theirs apart). Updates are read-modify-write, one at a time in
 * this process; across replicas they happen under the run lock. `snapshot` is the last state read
 * or written, for readers that must not wait (health, gauges).
 */
@Injectable()
export class RunJournal {
  private readonly logger = new Logger(RunJournal.name);
  private readonly store: JournalStore;
  private state: JournalState = emptyJournal(new Date());
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly files: BackupFileSystem,
    private readonly catalogue: BackupCatalogue,
    @Optional() @Inject(S3_BACKUP_STORE) s3: S3BackupStore | null = null,
  ) {
    if (s3) {
      const key = `${s3.prefix}journal.json`;
      this.store = { read: () => s3.getText(key), write: (text) => s3.putText(key, text) };
    } else {
      const path = catalogue.pathOf(`.mentorhub_backup_journal_${catalogue.identity.id}.json`);
      this.store = {
        read: () => files.readText(path),
        write: async (text) => {
          await files.ensureDir(catalogue.dir);
          await files.writeTextAtomic(path, text);
        },
      };
    }
  }

  get snapshot(): JournalState {
    return this.state;
  }

  /** Reads the journal, or starts it from what this database's manifests (and an older status file) prove. */
  async load(): Promise<void> {
    const existing = await this.read().catch((error: unknown) => {
      this.logger.warn(`Could not read the backup run journal: ${errorMessage(error)}`);
      return undefined;
    });
    if (existing) {
      this.state = existing;
      return;
    }
    let state = { ...emptyJournal(new Date()), ...(await this.legacyStatus()) };
    for (const backup of (await this.catalogue.stored()).backups) state = adoptManifest(state, backup.manifest);
    await this.write(state);
  }

  /** The journal as stored now; the last known state when it cannot be read. */
  async refresh(): Promise<JournalState> {
    try {
      const stored = await this.read();
      if (stored) this.state = stored;
    } catch (error) {
      this.logger.warn(`Could not read the backup run journal: ${errorMessage(error)}`);
    }
    return this.state;
  }

  /** Applies `change` to the stored journal (the last known state when it cannot be read) and stores the result. */
  update(change: (state: JournalState) => JournalState): Promise<JournalState> {
    const next = this.queue.then(async () => {
      const current = await this.read().catch((error: unknown) => {
        this.logger.warn(`Could not read the backup run journal, updating the last known one: ${errorMessage(error)}`);
        return undefined;
      });
      const updated = change(current ?? this.state);
      await this.write(updated);
      return updated;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<JournalState | null> {
    return parseJournal(await this.store.read());
  }

  /** Stores the state; a failure is logged and the state kept in memory (a journal must never fail a backup). */
  private async write(state: JournalState): Promise<void> {
    this.state = state;
    try {
      await this.store.write(`${JSON.stringify(state, null, 2)}\n`);
    } catch (error) {
      this.logger.warn(`Could not store the backup run journal: ${errorMessage(error)}`);
    }
  }

  private async legacyStatus(): Promise<Partial<JournalState>> {
    try {
      const text = await this.files.readText(this.catalogue.pathOf(LEGACY_STATUS_FILE));
      if (!text) return {};
      const { lastSuccess, lastVerifiedAt, lastFailure, lastRunOk, trackedSince } = JSON.parse(text) as Partial<JournalState>;
      return Object.fromEntries(
        Object.entries({ lastSuccess, lastVerifiedAt, lastFailure, lastRunOk, trackedSince }).filter(([, value]) => value !== undefined),
      );
    } catch {
      return {};
    }
  }
}
