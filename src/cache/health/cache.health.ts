import { Injectable } from '@nestjs/common';
import {
  ContributesToHealth,
  type HealthContribution,
  type HealthIndicatorSession,
} from '../../health/contributions/health-contribution.js';
import { CacheService } from '../cache.service.js';

/** Rows normally live milliseconds; older ones mean Redis has not applied them (or nobody drains). */
const PENDING_WARN_SECONDS = 5;

/**
 * Redis as the cache sees it (event-driven, no I/O here): down with the in-memory fallback
 * active is `degraded` — requests are still served, only without the shared cache — and so are
 * invalidations left pending for seconds.
 */
@Injectable()
@ContributesToHealth({ check: 'redis', failure: 'warn' })
export class CacheHealthContribution implements HealthContribution {
  constructor(private readonly cache: CacheService) {}

  indicate(indicator: HealthIndicatorSession) {
    const status = this.cache.status();
    const details = { store: status.store, configured: status.redisConfigured, since: status.since.toISOString() };
    const pending = this.cache.pendingInvalidations();
    if (status.redisConfigured && !status.redisHealthy) return this.unreachable(indicator, details);
    if (pending.count > 0 && pending.oldestAgeSeconds >= PENDING_WARN_SECONDS) {
      return indicator.degraded({
        ...details,
        observed: `${pending.count} pending invalidations`,
        message: `${pending.count} cache invalidations are not applied yet (oldest ${Math.round(pending.oldestAgeSeconds)} s); cached data may be stale`,
      });
    }
    return indicator.up(details);
  }

  private unreachable(indicator: HealthIndicatorSession, details: { store: string; configured: boolean; since: string }) {
    return indicator.degraded({
      ...details,
      observed: 'unreachable',
      message: `Redis unreachable since ${details.since}; serving from the in-memory cache`,
    });
  }

  /** The cache's state without its address or last error: the report may be public. */
  figures() {
    const { store, redisConfigured, redisHealthy, degraded, since } = this.cache.status();
    return { cache: { store, redisConfigured, redisHealthy, degraded, since } };
  }
}
