import { Injectable } from '@nestjs/common';
import {
  ContributesToHealth,
  type HealthContribution,
  type HealthIndicatorSession,
} from '../../health/contributions/health-contribution.js';
import { CacheService } from '../cache.service.js';

/**
 * Redis as the cache sees it (event-driven, no I/O here): down with the in-memory fallback
 * active is `degraded` — requests are still served, only without the shared cache.
 */
@Injectable()
@ContributesToHealth({ check: 'redis', failure: 'warn' })
export class CacheHealthContribution implements HealthContribution {
  constructor(private readonly cache: CacheService) {}

  indicate(indicator: HealthIndicatorSession) {
    const status = this.cache.status();
    const details = { store: status.store, configured: status.redisConfigured, since: status.since.toISOString() };
    if (!status.redisConfigured || status.redisHealthy) return indicator.up(details);
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
