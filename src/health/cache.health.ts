import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CacheService } from '../cache/cache.service.js';

/**
 * Redis as the cache sees it (event-driven, no I/O here): down with the in-memory fallback
 * active is `degraded` — requests are still served, only without the shared cache.
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly cache: CacheService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check() {
    const status = this.cache.status();
    const indicator = this.indicators.check('redis');
    const details = { store: status.store, configured: status.redisConfigured, since: status.since.toISOString() };
    if (!status.redisConfigured || status.redisHealthy) return indicator.up(details);
    return indicator.degraded({
      ...details,
      observed: 'unreachable',
      message: `Redis unreachable since ${details.since}; serving from the in-memory cache`,
    });
  }
}
