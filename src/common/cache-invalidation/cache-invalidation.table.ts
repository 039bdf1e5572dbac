import type { EntityManager } from 'typeorm';

/**
 * The cache's invalidation outbox, shared by the cache (which writes and drains it) and whoever
 * else must invalidate without depending on the cache module (a restore writes "clear all").
 * A row is a glob relative to the cache namespace; `created_at` is milliseconds since the epoch.
 */
export const CACHE_INVALIDATION_TABLE = 'cache_invalidation';

/** The pattern that clears the whole cache namespace. */
export const CLEAR_ALL_PATTERN = '*';

/** `$n` on PostgreSQL, `?` on SQLite. */
export function sqlParameter(manager: EntityManager, index: number): string {
  return manager.connection.options.type === 'postgres' ? `$${index}` : '?';
}

/** Inserts one row per pattern through `manager` (inside its transaction, if any); resolves to their ids. */
export async function insertCacheInvalidations(manager: EntityManager, patterns: readonly string[]): Promise<number[]> {
  if (patterns.length === 0) return [];
  const now = Date.now();
  const values = patterns.map((_, i) => `(${sqlParameter(manager, 2 * i + 1)}, ${sqlParameter(manager, 2 * i + 2)})`);
  const rows = await manager.query<{ id: number | string }[]>(
    `INSERT INTO ${CACHE_INVALIDATION_TABLE} (pattern, created_at) VALUES ${values.join(', ')} RETURNING id`,
    patterns.flatMap((pattern) => [pattern, now]),
  );
  return rows.map((row) => Number(row.id));
}
