import { LRUCache, type Perf } from 'lru-cache';
import { globToRegExp } from '../cache-key.js';

/**
 * A bounded LRU with per-entry TTL: the fallback when Redis is down, or the only store without
 * REDIS_URL. Values are the same JSON strings Redis holds, so a hit parses into a fresh copy.
 */
export class MemoryCacheStore {
  private readonly entries: LRUCache<string, string>;

  constructor(maxEntries: number, clock: Perf = performance) {
    // Resolution 0: expiry reads the clock itself instead of a value cached for a millisecond behind a timer.
    this.entries = new LRUCache({ max: maxEntries, perf: clock, ttlResolution: 0 });
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  set(key: string, json: string, ttlMs: number): void {
    this.entries.set(key, json, { ttl: ttlMs });
  }

  /** Deletes the keys matching a glob (`*`, `?`); returns how many. */
  clear(pattern: string): number {
    const matcher = globToRegExp(pattern);
    const matching = [...this.entries.keys()].filter((key) => matcher.test(key));
    for (const key of matching) this.entries.delete(key);
    return matching.length;
  }

  clearAll(): void {
    this.entries.clear();
  }
}
