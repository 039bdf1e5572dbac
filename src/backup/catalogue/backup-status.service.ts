import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CronTime } from 'cron';
import { join, resolve } from 'node:path';
import { backupConfig, type BackupConfig } from '../backup.config.js';
import type { BackupStage } from '../backup.errors.js';
import { BackupMetrics } from '../backup.metrics.js';
import { BACKUP_MODULE_OPTIONS, type BackupModuleOptions } from '../backup.options.js';
import { BackupFileSystem } from '../storage/backup.filesystem.js';
import { isManifest, type BackupManifest } from './backup.manifest.js';
import { MANIFEST_EXTENSION, stemOfFile } from './backup.naming.js';

/** Margin added to the schedule period before a backup counts as stale (26 h for a daily schedule). */
const STALE_MARGIN_MS = 2 * 3600 * 1000;
/** Failures and the last run survive restarts here (not a backup name, so retention never touches it). */
export const STATUS_FILE = '.mentorhub_backup_status.json';

export interface BackupFailure {
  at: string;
  stage: BackupStage;
  reason: string;
  name?: string;
}

export interface BackupSuccess {
  at: string;
  name: string;
  sizeBytes: number;
  durationMs: number;
}

/**
 * The backup freshness the health module reads (synchronous, no I/O):
 * `BackupStatusService.getStatus(): BackupStatus`.
 */
export interface BackupStatus {
  /** Scheduled backups are on (BACKUP_ENABLED). */
  enabled: boolean;
  schedule: string;
  /** The operation running in this process, if any ("create", "verify", "restore", "prune"). */
  running: string | null;
  lastSuccess: BackupSuccess | null;
  /** Time of the newest backup whose trial restore succeeded. */
  lastVerifiedAt: string | null;
  lastFailure: BackupFailure | null;
  /** Whether the most recent backup run succeeded (null before the first run). */
  lastRunOk: boolean | null;
  nextRunAt: string | null;
  /**
   * True when scheduled backups are enabled and the last verified success (the last success
   * when verification after backup is off) is older than `staleAfterMs`, or none exists that long
   * after the first start with this backup folder.
   */
  stale: boolean;
  staleAfterMs: number;
  /** Age of that reference backup, null when there is none. */
  ageMs: number | null;
}

interface PersistedState {
  lastSuccess: BackupSuccess | null;
  lastVerifiedAt: string | null;
  lastFailure: BackupFailure | null;
  lastRunOk: boolean | null;
  /** When this backup folder's status was first written: the start of a new deployment's first period. */
  trackedSince: string | null;
}

/** Schedule period: the gap between the next two runs of the cron expression. */
export function schedulePeriodMs(cron: string): number {
  const [first, second] = new CronTime(cron, 'UTC').sendAt(2).map((date) => date.toMillis());
  return Math.max(second - first, 60_000);
}

@Injectable()
export class BackupStatusService implements OnModuleInit {
  private readonly logger = new Logger(BackupStatusService.name);
  private readonly statusPath: string;
  private state: PersistedState = { lastSuccess: null, lastVerifiedAt: null, lastFailure: null, lastRunOk: null, trackedSince: null };
  private runningOperation: string | null = null;
  private readonly staleAfterMs: number;

  constructor(
    @Inject(backupConfig.KEY) private readonly config: BackupConfig,
    private readonly files: BackupFileSystem,
    private readonly metrics: BackupMetrics,
    @Inject(BACKUP_MODULE_OPTIONS) private readonly options: BackupModuleOptions,
  ) {
    this.statusPath = join(resolve(config.dir), STATUS_FILE);
    this.staleAfterMs = schedulePeriodMs(config.cron) + STALE_MARGIN_MS;
  }

  async onModuleInit(): Promise<void> {
    await this.load();
    this.options.metricsSections?.register('backup', () => this.getStatus());
    this.metrics.observeStale(() => this.getStatus().stale);
    this.metrics.enabled.set(this.config.enabled ? 1 : 0);
  }

  getStatus(now = new Date()): BackupStatus {
    const reference = this.config.verifyAfterBackup ? this.state.lastVerifiedAt : (this.state.lastSuccess?.at ?? null);
    const ageMs = reference ? now.getTime() - new Date(reference).getTime() : null;
    // With no backup at all, a new deployment gets one period to make its first before it counts as
    // stale; counted from the first start with this backup folder, so restarts do not extend it.
    const trackedMs = now.getTime() - new Date(this.state.trackedSince ?? now).getTime();
    const stale = this.config.enabled && (ageMs ?? trackedMs) > this.staleAfterMs;
    return {
      enabled: this.config.enabled,
      schedule: this.config.cron,
      running: this.runningOperation,
      lastSuccess: this.state.lastSuccess,
      lastVerifiedAt: this.state.lastVerifiedAt,
      lastFailure: this.state.lastFailure,
      lastRunOk: this.state.lastRunOk,
      nextRunAt: this.config.enabled ? new CronTime(this.config.cron, 'UTC').sendAt().toUTC().toISO() : null,
      stale,
      staleAfterMs: this.staleAfterMs,
      ageMs,
    };
  }

  get running(): string | null {
    return this.runningOperation;
  }

  setRunning(operation: string | null): void {
    this.runningOperation = operation;
    this.metrics.running.set(operation ? 1 : 0);
  }

  async recordSuccess(manifest: BackupManifest): Promise<void> {
    this.state.lastSuccess = {
      at: manifest.createdAt,
      name: manifest.name,
      sizeBytes: manifest.sizeBytes,
      durationMs: manifest.durationMs,
    };
    this.state.lastRunOk = true;
    this.metrics.runs.inc({ result: 'success' });
    this.publishLastSuccess();
    await this.save();
  }

  async recordVerified(manifest: BackupManifest): Promise<void> {
    if (!this.state.lastVerifiedAt || manifest.createdAt > this.state.lastVerifiedAt) {
      this.state.lastVerifiedAt = manifest.createdAt;
      this.metrics.lastVerified.set(new Date(manifest.createdAt).getTime() / 1000);
    }
    await this.save();
  }

  /** A failed stage; `runFailed` marks the backup run itself as failed (retention then refuses to prune). */
  async recordFailure(failure: Omit<BackupFailure, 'at'>, runFailed: boolean): Promise<void> {
    this.state.lastFailure = { at: new Date().toISOString(), ...failure };
    if (runFailed) {
      this.state.lastRunOk = false;
      this.metrics.runs.inc({ result: 'failure' });
    }
    this.metrics.recordFailure(failure.stage);
    await this.save();
  }

  private async save(): Promise<void> {
    try {
      await this.files.ensureDir(resolve(this.config.dir));
      await this.files.writeTextAtomic(this.statusPath, JSON.stringify(this.state, null, 2));
    } catch (error) {
      this.logger.warn(`Could not save the backup status: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Restores the persisted state, then fills in what the manifests on disk prove. */
  private async load(): Promise<void> {
    try {
      const text = await this.files.readText(this.statusPath);
      if (text) this.state = { ...this.state, ...(JSON.parse(text) as Partial<PersistedState>) };
    } catch (error) {
      this.logger.warn(`Ignoring an unreadable backup status file: ${error instanceof Error ? error.message : String(error)}`);
    }
    const dir = resolve(this.config.dir);
    for (const file of await this.files.list(dir)) {
      if (!file.endsWith(MANIFEST_EXTENSION) || !stemOfFile(file)) continue;
      const manifest = await this.readManifest(join(dir, file));
      if (manifest) this.adopt(manifest);
    }
    this.publishLastSuccess();
    if (this.state.lastVerifiedAt) this.metrics.lastVerified.set(new Date(this.state.lastVerifiedAt).getTime() / 1000);
    if (!this.state.trackedSince) {
      this.state.trackedSince = new Date().toISOString();
      await this.save();
    }
  }

  private async readManifest(path: string): Promise<BackupManifest | null> {
    try {
      const value: unknown = JSON.parse((await this.files.readText(path)) ?? 'null');
      return isManifest(value) ? value : null;
    } catch {
      return null;
    }
  }

  /** A manifest on disk proves a success (and a verification) at least that recent. */
  private adopt(manifest: BackupManifest): void {
    if (!this.state.lastSuccess || manifest.createdAt > this.state.lastSuccess.at) {
      this.state.lastSuccess = {
        at: manifest.createdAt,
        name: manifest.name,
        sizeBytes: manifest.sizeBytes,
        durationMs: manifest.durationMs,
      };
    }
    if (manifest.verification?.ok && (!this.state.lastVerifiedAt || manifest.createdAt > this.state.lastVerifiedAt)) {
      this.state.lastVerifiedAt = manifest.createdAt;
    }
  }

  /** The last success's time, size and duration as gauges (after a restart too, not only after the next run). */
  private publishLastSuccess(): void {
    const last = this.state.lastSuccess;
    if (!last) return;
    this.metrics.lastSuccess.set(new Date(last.at).getTime() / 1000);
    this.metrics.lastSize.set(last.sizeBytes);
    this.metrics.lastDuration.set(last.durationMs / 1000);
  }
}
