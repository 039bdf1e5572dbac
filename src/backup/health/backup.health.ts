import { Injectable } from '@nestjs/common';
import {
  ContributesToHealth,
  type HealthContribution,
  type HealthIndicatorSession,
} from '../../health/contributions/health-contribution.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';

const HOUR_MS = 3_600_000;
const hours = (ms: number) => Math.round((ms / HOUR_MS) * 10) / 10;

/**
 * Backup freshness against the schedule. A new deployment gets one period to make its first
 * backup before it counts as stale. Failure reasons stay in the backup status endpoint (admin
 * only): this report may be public.
 */
@Injectable()
@ContributesToHealth({ check: 'backup', failure: 'warn' })
export class BackupHealthContribution implements HealthContribution {
  constructor(private readonly backups: BackupStatusService) {}

  indicate(indicator: HealthIndicatorSession) {
    const status = this.backups.getStatus();
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

  /** Freshness without failure reasons (they can quote tool output); admins read them at /admin/backups/status. */
  figures() {
    const { enabled, running, lastSuccess, lastVerifiedAt, lastFailure, lastRunOk, nextRunAt, stale, ageMs } = this.backups.getStatus();
    return {
      backup: {
        enabled,
        running,
        lastSuccessAt: lastSuccess?.at ?? null,
        lastVerifiedAt,
        lastFailure: lastFailure && { at: lastFailure.at, stage: lastFailure.stage },
        lastRunOk,
        nextRunAt,
        stale,
        ageMs,
      },
    };
  }
}
