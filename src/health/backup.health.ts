import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BackupStatusService } from '../backup/catalogue/backup-status.service.js';

const HOUR_MS = 3_600_000;
const hours = (ms: number) => Math.round((ms / HOUR_MS) * 10) / 10;

/**
 * Backup freshness against the schedule. A new deployment gets one period to make its first
 * backup before it counts as stale. Failure reasons stay in the backup status endpoint (admin
 * only): this report may be public.
 */
@Injectable()
export class BackupHealthIndicator {
  constructor(
    private readonly backups: BackupStatusService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check() {
    const status = this.backups.getStatus();
    const indicator = this.indicators.check('backup');
    if (!status.enabled) return indicator.up({ enabled: false });
    const details = {
      observed: status.ageMs === null ? null : hours(status.ageMs),
      threshold: hours(status.staleAfterMs),
      nextRunAt: status.nextRunAt,
    };
    if (status.lastRunOk === false) {
      return indicator.degraded({ ...details, message: `The last backup run failed (${status.lastFailure?.stage ?? 'unknown stage'})` });
    }
    if (status.stale) {
      const message =
        status.ageMs === null
          ? 'No verified backup exists'
          : `The last verified backup is ${details.observed} h old (limit ${details.threshold} h)`;
      return indicator.degraded({ ...details, message });
    }
    return indicator.up(details);
  }
}
