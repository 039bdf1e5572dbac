import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { CronTime } from 'cron';
import { backupConfig, type BackupConfig } from '../config/backup.config.js';
import { BackupMetrics } from '../backup.metrics.js';
import { BACKUP_MODULE_OPTIONS, type BackupModuleOptions } from '../backup.options.js';
import { BackupCatalogue } from './backup-catalogue.service.js';
import type { BackupManifest } from './backup.manifest.js';
import type { DatabaseIdentity } from './database-identity.js';
import { adoptManifest, recordFailure, recordSuccess, type BackupFailure, type BackupSuccess, type RunRecord } from './run-journal.js';
import { LEGACY_STATUS_FILE, RunJournal } from './run-journal.service.js';

export { LEGACY_STATUS_FILE as STATUS_FILE };

/** Margin added to the schedule period before a backup counts as stale (26 h for a daily schedule). */
const STALE_MARGIN_MS = 2 * 3600 * 1000;
const RECENT_RUNS = 10;

/**
 * The backups of this database as every replica sees them (S3 catalogue), or as this replica's
 * folder does (`instance` names it). `getStatus()` is synchronous, no I/O: the health module reads it.
 */
export interface BackupStatus {
  /** Scheduled backups are on (BACKUP_ENABLED). */
  enabled: boolean;
  schedule: string;
  catalogue: 's3' | 'local';
  /** The replica whose backup folder a local catalogue describes. */
  instance?: string;
  database: DatabaseIdentity;
  /** The operation running ("create", "verify", "restore", "prune"): in this process, else any replica's unfinished run. */
  running: string | null;
  /** The unfinished run in the journal, with the replica running it. */
  activeRun: RunRecord | null;
  lastSuccess: BackupSuccess | null;
  /** Time of the newest backup whose trial restore succeeded. */
  lastVerifiedAt: string | null;
  lastFailure: BackupFailure | null;
  /** Whether the most recent backup run succeeded (null before the first run); an interrupted run counts as failed. */
  lastRunOk: boolean | null;
  nextRunAt: string | null;
  /**
   * True when scheduled backups are enabled and the last verified success (the last success
   * when verification after backup is off) is older than `staleAfterMs`, or none exists that long
   * after this database's backups were first tracked.
   */
  stale: boolean;
  staleAfterMs: number;
  /** Age of that reference backup, null when there is none. */
  ageMs: number | null;
  /** The newest runs of any replica, newest first. */
  recentRuns: RunRecord[];
}

/** Schedule period: the gap between the next two runs of the cron expression. */
export function schedulePeriodMs(cron: string): number {
  const [first, second] = new CronTime(cron, 'UTC').sendAt(2).map((date) => date.toMillis());
  return Math.max(second - first, 1000);
}

/** Records outcomes in the run journal and the metrics, and answers the status from the journal. */
@Injectable()
export class BackupStatusService implements OnModuleInit {
  private runningOperation: string | null = null;
  private readonly staleAfterMs: number;

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    @Inject(BACKUP_MODULE_OPTIONS) private readonly options: BackupModuleOptions,
    private readonly metrics: BackupMetrics,
    private readonly journal: RunJournal,
    private readonly catalogue: BackupCatalogue,
  ) {
    this.staleAfterMs = Math.max(schedulePeriodMs(config.cron), 60_000) + STALE_MARGIN_MS;
  }

  async onModuleInit(): Promise<void> {
    await this.journal.load();
    this.publish();
    this.options.metricsSections?.register('backup', () => this.getStatus());
    this.metrics.observeStale(() => this.getStatus().stale);
    this.metrics.enabled.set(this.config.enabled ? 1 : 0);
  }

  /** The status as last read or written by this process. */
  getStatus(now = new Date()): BackupStatus {
    const state = this.journal.snapshot;
    const reference = this.config.verifyAfterBackup ? state.lastVerifiedAt : (state.lastSuccess?.at ?? null);
    const ageMs = reference ? now.getTime() - new Date(reference).getTime() : null;
    // With no backup at all, a new deployment gets one period to make its first before it counts as
    // stale; counted from when this database's backups were first tracked, so restarts do not extend it.
    const trackedMs = now.getTime() - new Date(state.trackedSince).getTime();
    const activeRun = state.runs.find((run) => run.outcome === 'running') ?? null;
    const shared = this.catalogue.s3 !== null;
    return {
      enabled: this.config.enabled,
      schedule: this.config.cron,
      catalogue: shared ? 's3' : 'local',
      ...(shared ? {} : { instance: this.catalogue.instance }),
      database: this.catalogue.identity,
      running: this.runningOperation ?? activeRun?.operation ?? null,
      activeRun,
      lastSuccess: state.lastSuccess,
      lastVerifiedAt: state.lastVerifiedAt,
      lastFailure: state.lastFailure,
      lastRunOk: state.lastRunOk,
      nextRunAt: this.config.enabled ? new CronTime(this.config.cron, 'UTC').sendAt().toUTC().toISO() : null,
      stale: this.config.enabled && (ageMs ?? trackedMs) > this.staleAfterMs,
      staleAfterMs: this.staleAfterMs,
      ageMs,
      recentRuns: state.runs.slice(0, RECENT_RUNS),
    };
  }

  /** The status from the journal as stored now: the same on every replica sharing it. */
  async read(): Promise<BackupStatus> {
    await this.journal.refresh();
    this.publish();
    return this.getStatus();
  }

  get running(): string | null {
    return this.runningOperation;
  }

  setRunning(operation: string | null): void {
    this.runningOperation = operation;
    this.metrics.running.set(operation ? 1 : 0);
  }

  async recordSuccess(manifest: BackupManifest): Promise<void> {
    this.metrics.runs.inc({ result: 'success' });
    await this.journal.update((state) => recordSuccess(state, manifest));
    this.publish();
  }

  async recordVerified(manifest: BackupManifest): Promise<void> {
    await this.journal.update((state) => adoptManifest(state, manifest));
    this.publish();
  }

  /** A failed stage; `runFailed` marks the backup run itself as failed (retention then refuses to prune). */
  async recordFailure(failure: Omit<BackupFailure, 'at' | 'instance'>, runFailed: boolean): Promise<void> {
    this.countFailure(failure.stage, runFailed);
    const recorded = { at: new Date().toISOString(), instance: this.catalogue.instance, ...failure };
    await this.journal.update((state) => recordFailure(state, recorded, runFailed));
    this.publish();
  }

  /** Counts a failure this process found or caused (interrupted runs are found by the replica that cleans up after them). */
  countFailure(stage: BackupFailure['stage'], runFailed: boolean): void {
    if (runFailed) this.metrics.runs.inc({ result: 'failure' });
    this.metrics.recordFailure(stage);
  }

  /** The last success's time, size and duration and the last verification as gauges, from the shared journal. */
  publish(): void {
    const { lastSuccess, lastVerifiedAt } = this.journal.snapshot;
    if (lastVerifiedAt) this.metrics.lastVerified.set(new Date(lastVerifiedAt).getTime() / 1000);
    if (!lastSuccess) return;
    this.metrics.lastSuccess.set(new Date(lastSuccess.at).getTime() / 1000);
    this.metrics.lastSize.set(lastSuccess.sizeBytes);
    this.metrics.lastDuration.set(lastSuccess.durationMs / 1000);
  }
}
