import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MetricsSectionsRegistry } from '../metrics/metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from '../metrics/metrics.constants.js';
import { CacheService } from './cache.service.js';
import type { CacheStoreName } from './stores/cache-store.js';

/** The `cache` section of the admin metrics JSON (snake_case, like the rest of it). */
export interface CacheMetricsSnapshot {
  store: CacheStoreName;
  redis_configured: boolean;
  redis_healthy: boolean;
  degraded: boolean;
  since: string;
  hits: number;
  misses: number;
  hit_rate_percent: number;
  sets: number;
  invalidations: number;
  errors: number;
  fallbacks: number;
  memory_entries: number;
  /** Invalidations written but not yet applied to Redis (as of the last outbox poll). */
  pending_invalidations: number;
  oldest_pending_invalidation_seconds: number;
  last_error: string | null;
}

/**
 * Prometheus view of the same counters. Values are read at scrape time from the plain counters
 * the hot path increments, so a cache hit costs an integer increment, not a metric update.
 */
function registerCachePrometheusMetrics(registry: Registry, read: () => CacheMetricsSnapshot): void {
  const counter = (name: string, help: string, pick: (snapshot: CacheMetricsSnapshot) => number) =>
    new Counter({
      name: `mentorhub_cache_${name}_total`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(pick(read()));
      },
    });
  counter('hits', 'Cache lookups answered from the cache', (s) => s.hits);
  counter('misses', 'Cache lookups that had to load the value', (s) => s.misses);
  counter('sets', 'Values written to the cache', (s) => s.sets);
  counter('invalidations', 'Keys or patterns invalidated', (s) => s.invalidations);
  counter('errors', 'Redis commands that failed or timed out (a read is then answered from the database)', (s) => s.errors);
  counter('fallbacks', 'Switches from Redis to the in-memory store', (s) => s.fallbacks);
  new Gauge({
    name: 'mentorhub_cache_active_store',
    help: 'The store serving the cache: 1 for the active one',
    labelNames: ['store'],
    registers: [registry],
    collect() {
      const { store } = read();
      this.set({ store: 'redis' }, store === 'redis' ? 1 : 0);
      this.set({ store: 'memory' }, store === 'memory' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mentorhub_cache_redis_up',
    help: '1 when Redis is configured and answering',
    registers: [registry],
    collect() {
      this.set(read().redis_healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mentorhub_cache_degraded',
    help: '1 when Redis is configured but the in-memory fallback is serving',
    registers: [registry],
    collect() {
      this.set(read().degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'mentorhub_cache_memory_entries',
    help: 'Entries held by the in-memory store',
    registers: [registry],
    collect() {
      this.set(read().memory_entries);
    },
  });
  new Gauge({
    name: 'mentorhub_cache_pending_invalidations',
    help: 'Invalidations committed but not yet applied to Redis',
    registers: [registry],
    collect() {
      this.set(read().pending_invalidations);
    },
  });
  new Gauge({
    name: 'mentorhub_cache_oldest_pending_invalidation_seconds',
    help: 'Age of the oldest invalidation not yet applied to Redis (0 when none)',
    registers: [registry],
    collect() {
      this.set(read().oldest_pending_invalidation_seconds);
    },
  });
}

/**
 * The cache's figures in the app's metrics module when it has one: the `cache` section of the
 * admin view and the Prometheus metrics. Without a metrics module the cache runs all the same.
 */
@Injectable()
export class CacheMetrics implements OnModuleInit {
  constructor(
    private readonly cache: CacheService,
    @Optional() private readonly sections?: MetricsSectionsRegistry,
    @Optional() @Inject(PROMETHEUS_REGISTRY) private readonly registry?: Registry,
  ) {}

  onModuleInit(): void {
    const read = () => this.cache.metrics();
    this.sections?.register('cache', read);
    if (this.registry) registerCachePrometheusMetrics(this.registry, read);
  }
}
