import { LRUCache, type Perf } from 'lru-cache';
import { globToRegExp } from '../cache-key.js';
import type { CacheStore } from './cache-store.js';

/** A bounded LRU with per-entry TTL: the fallback when Redis is down, or the only store without REDIS_URL. */
export class MemoryCacheStore implements CacheStore {
  /** Values are kept serialised, so they come back as fresh copies with the same JSON semantics as Redis. */
  private readonly entries: LRUCache<string, string>;

  constructor(maxEntries: number, clock: Perf = performance) {
    // Resolution 0: expiry reads the clock itself instead of a value cached for a millisecond behind a timer.
    this.entries = new LRUCache({ max: maxEntries, perf: clock, ttlResolution: 0 });
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<unknown> {
    return this.read(key);
  }

  read(key: string): unknown {
    const json = this.entries.get(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.entries.set(key, JSON.stringify(value), { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async clear(pattern: string): Promise<number> {
    const matcher = globToRegExp(pattern);
    const matching = [...this.entries.keys()].filter((key) => matcher.test(key));
    for (const key of matching) this.entries.delete(key);
    return matching.length;
  }

  clearAll(): void {
    this.entries.clear();
  }
}
