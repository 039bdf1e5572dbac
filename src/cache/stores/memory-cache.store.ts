import { globToRegExp } from '../cache-key.js';
import type { CacheStore } from './cache-store.js';

interface MemoryEntry {
  /** Values are kept serialised, so they come back as fresh copies with the same JSON semantics as Redis. */
  json: string;
  expiresAt: number;
}

/** A bounded LRU with per-entry TTL: the fallback when Redis is down, or the only store without REDIS_URL. */
export class MemoryCacheStore implements CacheStore {
  // A Map iterates in insertion order: re-inserting on access keeps the least recently used first.
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<unknown> {
    return this.read(key);
  }

  read(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return JSON.parse(entry.json);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { json: JSON.stringify(value), expiresAt: this.now() + ttlMs });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async clear(pattern: string): Promise<number> {
    const matcher = globToRegExp(pattern);
    let deleted = 0;
    for (const key of this.entries.keys()) {
      if (matcher.test(key)) {
        this.entries.delete(key);
        deleted++;
      }
    }
    return deleted;
  }

  clearAll(): void {
    this.entries.clear();
  }
}
