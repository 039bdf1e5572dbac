/** Preset TTLs in seconds, one per kind of data, for @Cached() and CacheService.set(). */
export const CACHE_TTL = {
  user: 600,
  mentor: 900,
  course: 1800,
  review: 300,
  stats: 60,
  session: 120,
  list: 180,
} as const;

/** Injection token of the ioredis client, or null when REDIS_URL is unset. */
export const REDIS_CLIENT = Symbol('mentorhub:cache:redis-client');

export const CACHED_METADATA = 'mentorhub:cache:cached';
export const CACHE_EVICT_METADATA = 'mentorhub:cache:evict';

/** Keys per SCAN step and per UNLINK batch when clearing a pattern. */
export const SCAN_BATCH = 1000;
/** Pending outbox rows a drain applies one by one; beyond this, it clears the whole namespace instead. */
export const MAX_PENDING_INVALIDATIONS = 1000;
