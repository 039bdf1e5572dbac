export type CacheStoreName = 'redis' | 'memory';

/**
 * The cache's state for the health module and status reports (synchronous, no I/O).
 * `degraded` is true when Redis is configured but the in-memory fallback is serving.
 */
export interface CacheStatus {
  /** The store serving reads and writes right now. */
  store: CacheStoreName;
  redisConfigured: boolean;
  /** Whether Redis answers right now (false when not configured). */
  redisHealthy: boolean;
  degraded: boolean;
  /** When `store` became the active store. */
  since: Date;
  /** The last Redis failure, without credentials; undefined when none happened. */
  lastError?: string;
  /** Redis address without credentials, e.g. `redis://cache:6379/0`. */
  redisUrl?: string;
}
