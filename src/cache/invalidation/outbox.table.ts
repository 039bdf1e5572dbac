import type { DataSource, EntityManager } from 'typeorm';
import {
  CACHE_INVALIDATION_TABLE,
  insertCacheInvalidations,
  sqlParameter,
} from '../../common/cache-invalidation/cache-invalidation.table.js';
import { runSerialOnSqlite } from '../../common/transactions/sqlite-serial.js';

export interface OutboxRow {
  id: number;
  pattern: string;
}

export interface OutboxSummary {
  count: number;
  /** Highest pending id (0 when none). */
  maxId: number;
  /** When the oldest pending row was written, in ms since the epoch; undefined when none. */
  oldestAt?: number;
}

/**
 * The queries on the cache_invalidation table, on either engine. Its own writes wait for the
 * transactions running on SQLite's shared connection: inside one, a rollback would undo them.
 */
export class OutboxTable {
  private readonly manager: EntityManager;

  constructor(private readonly dataSource: DataSource) {
    this.manager = dataSource.manager;
  }

  /** In `manager`'s transaction when given (a write's commit hook), else on its own. */
  insert(patterns: readonly string[], manager?: EntityManager): Promise<number[]> {
    if (manager) return insertCacheInvalidations(manager, patterns);
    return this.serial(() => insertCacheInvalidations(this.manager, patterns));
  }

  async summary(): Promise<OutboxSummary> {
    const [row] = await this.manager.query<{ count: number | string; max_id: number | string | null; oldest: number | string | null }[]>(
      `SELECT COUNT(*) AS count, MAX(id) AS max_id, MIN(created_at) AS oldest FROM ${CACHE_INVALIDATION_TABLE}`,
    );
    const count = Number(row.count);
    return { count, maxId: Number(row.max_id ?? 0), oldestAt: count === 0 || row.oldest === null ? undefined : Number(row.oldest) };
  }

  /** Rows with `after < id <= upTo`, oldest first. */
  async rows(after: number, upTo: number): Promise<OutboxRow[]> {
    const rows = await this.manager.query<{ id: number | string; pattern: string }[]>(
      `SELECT id, pattern FROM ${CACHE_INVALIDATION_TABLE} WHERE id > ${this.param(1)} AND id <= ${this.param(2)} ORDER BY id`,
      [after, upTo],
    );
    return rows.map((row) => ({ id: Number(row.id), pattern: row.pattern }));
  }

  async delete(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.serial(() =>
      this.manager.query(`DELETE FROM ${CACHE_INVALIDATION_TABLE} WHERE id IN (${ids.map((_, i) => this.param(i + 1)).join(', ')})`, [
        ...ids,
      ]),
    );
  }

  async deleteUpTo(maxId: number): Promise<void> {
    await this.serial(() => this.manager.query(`DELETE FROM ${CACHE_INVALIDATION_TABLE} WHERE id <= ${this.param(1)}`, [maxId]));
  }

  private serial<T>(write: () => Promise<T>): Promise<T> {
    return runSerialOnSqlite(this.dataSource, write);
  }

  private param(index: number): string {
    return sqlParameter(this.manager, index);
  }
}
