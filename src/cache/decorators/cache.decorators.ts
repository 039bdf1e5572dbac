import { applyDecorators, SetMetadata } from '@nestjs/common';
import { assertValidPrefix } from '../cache-key.js';
import { CACHE_EVICT_METADATA, CACHED_METADATA } from '../cache.constants.js';

export interface CachedOptions {
  /** Seconds; use a CACHE_TTL preset. */
  ttl: number;
  /** First key segment(s), e.g. `mentor` → `mentor:<args…>:<scope>`. */
  keyPrefix: string;
  /** Share entries between all callers instead of keying them by the current user. */
  skipAuth?: boolean;
}

/** Patterns (relative to the namespace) to invalidate, computed from the method's arguments. */
export type EvictPatterns = (...args: never[]) => string[];

/**
 * Caches an async provider method: the body runs only on a miss. The key is the prefix, one
 * segment per argument and the current user's id (unless `skipAuth`); see cache-key.ts.
 */
export function Cached(options: CachedOptions): MethodDecorator {
  assertValidPrefix(options.keyPrefix);
  if (!Number.isFinite(options.ttl) || options.ttl <= 0) {
    throw new RangeError(`@Cached({ keyPrefix: '${options.keyPrefix}' }) needs a positive ttl in seconds`);
  }
  return applyDecorators(SetMetadata(CACHED_METADATA, options));
}

/**
 * Invalidates the patterns computed from the method's arguments, e.g.
 * `@CacheEvict((id: number) => [cachePattern('mentor', id)])`: their outbox rows commit with the
 * method's TransactionRunner transactions (or are written after it, without one) and are applied
 * before it resolves. Nothing is invalidated when it throws before committing.
 */
export function CacheEvict<A extends unknown[]>(patterns: (...args: A) => string[]): MethodDecorator {
  return applyDecorators(SetMetadata(CACHE_EVICT_METADATA, patterns));
}
