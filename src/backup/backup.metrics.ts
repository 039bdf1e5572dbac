import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { BACKUP_MODULE_OPTIONS, type BackupModuleOptions } from './backup.options.js';
import { BACKUP_STAGES, type BackupStage } from './backup.errors.js';

/** Prometheus series of the backup module, on the host's registry. */
@Injectable()
export class BackupMetrics {
  readonly lastSuccess: Gauge;
  readonly lastVerified: Gauge;
  readonly lastSize: Gauge;
  readonly lastDuration: Gauge;
  readonly running: Gauge;
  readonly enabled: Gauge;
  readonly stale: Gauge;
  private readonly staleProbe: { read?: () => boolean } = {};
  readonly runs: Counter<'result'>;
  readonly failures: Counter<'stage'>;

  constructor(@Inject(BACKUP_MODULE_OPTIONS) options: BackupModuleOptions) {
    const registers = [options.prometheusRegistry ?? new Registry()];
    this.lastSuccess = new Gauge({
      name: 'mentorhub_backup_last_success_timestamp_seconds',
      help: 'Unix time of the last successful backup',
      registers,
    });
    this.lastVerified = new Gauge({
      name: 'mentorhub_backup_last_verified_timestamp_seconds',
      help: 'Unix time of the last backup whose trial restore succeeded',
      registers,
    });
    this.lastSize = new Gauge({ name: 'mentorhub_backup_last_size_bytes', help: 'Size of the last successful backup', registers });
    this.lastDuration = new Gauge({
      name: 'mentorhub_backup_last_duration_seconds',
      help: 'Duration of the last successful backup (dump and manifest)',
      registers,
    });
    this.running = new Gauge({ name: 'mentorhub_backup_running', help: '1 while a backup, verification or restore runs', registers });
    this.enabled = new Gauge({ name: 'mentorhub_backup_enabled', help: '1 when scheduled backups are on (BACKUP_ENABLED)', registers });
    const staleProbe = this.staleProbe;
    this.stale = new Gauge({
      name: 'mentorhub_backup_stale',
      help: '1 when the last verified backup is older than the schedule period plus margin',
      registers,
      // Computed at scrape time: nothing else may ever read the status, and an alert on this must still fire.
      collect() {
        if (staleProbe.read) this.set(staleProbe.read() ? 1 : 0);
      },
    });
    this.runs = new Counter({ name: 'mentorhub_backup_runs_total', help: 'Backup runs by result', labelNames: ['result'], registers });
    this.failures = new Counter({
      name: 'mentorhub_backup_failures_total',
      help: 'Backup failures by stage (dump, s3-upload, verify, restore, prune, lock, manifest)',
      labelNames: ['stage'],
      registers,
    });
    // Series that exist from the start: increase() cannot see the first failure of a series born with value 1.
    for (const result of ['success', 'failure']) this.runs.inc({ result }, 0);
    for (const stage of BACKUP_STAGES) this.failures.inc({ stage }, 0);
  }

  recordFailure(stage: BackupStage): void {
    this.failures.inc({ stage });
  }

  /** Where the stale gauge reads its value from at each scrape. */
  observeStale(probe: () => boolean): void {
    this.staleProbe.read = probe;
  }
}
