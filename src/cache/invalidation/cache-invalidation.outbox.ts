import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CLEAR_ALL_PATTERN } from '../../common/cache-invalidation/cache-invalidation.table.js';
import { withCommitHook, type CommitHook } from '../../common/transactions/commit-hooks.js';
import { MAX_PENDING_INVALIDATIONS } from '../cache.constants.js';
import { cacheConfig, type CacheConfig } from '../config/cache.config.js';
import { FailoverCacheStore, type InvalidationOutcome } from '../stores/failover-cache.store.js';
import { OutboxTable, type OutboxSummary } from './outbox.table.js';

export interface PendingInvalidations {
  count: number;
  /** Age of the oldest pending row in seconds; 0 when none. */
  oldestAgeSeconds: number;
}

/** Rows a write transaction commits with: the patterns of one @CacheEvict() call. */
class EvictionRows implements CommitHook {
  readonly ids: number[] = [];

  constructor(
    private readonly table: OutboxTable,
    private readonly patterns: readonly string[],
  ) {}

  async beforeCommit(manager: EntityManager): Promise<void> {
    this.ids.push(...(await this.table.insert(this.patterns, manager)));
  }
}

/**
 * Durable invalidation through the `cache_invalidation` table: a row commits before the write's
 * response is sent (in the write's own transaction for @CacheEvict()), then this replica applies
 * it to Redis at once and deletes it. Whatever is left (Redis down or slow, the replica killed)
 * is drained by any replica: on a short poll and before every switch back to Redis. While a
 * replica serves from memory, the poll applies every replica's new rows to its memory store.
 * Applying a row twice is harmless, so replicas draining together need no lock.
 */
@Injectable()
export class CacheInvalidationOutbox implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CacheInvalidationOutbox.name);
  private readonly table?: OutboxTable;
  private readonly namespace: string;
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** The highest row already applied to this replica's memory store. */
  private seenId = 0;
  private pending: OutboxSummary = { count: 0, maxId: 0 };

  constructor(
    private readonly store: FailoverCacheStore,
    @Inject(cacheConfig.KEY) private readonly config: CacheConfig,
    @Optional() @InjectDataSource() dataSource?: DataSource,
  ) {
    this.namespace = config.namespace;
    this.table = dataSource && new OutboxTable(dataSource);
    // Registered now: Redis may come up before onModuleInit runs.
    if (this.table) store.setRecoveryHook(() => this.drain());
  }

  onModuleInit(): void {
    if (!this.table) return;
    this.timer = setInterval(() => void this.poll(), this.config.outboxPollMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Invalidates the patterns (relative to the namespace) durably: the row is written before this resolves. */
  async invalidate(patterns: readonly string[]): Promise<InvalidationOutcome> {
    if (!this.table) return this.store.invalidate(this.full(patterns));
    return this.apply(await this.table.insert(patterns), patterns);
  }

  /** Runs a write whose transactions commit the patterns' rows with it, then applies them; nothing when it throws. */
  async around<T>(patterns: readonly string[], write: () => Promise<T>): Promise<T> {
    if (!this.table) {
      const result = await write();
      await this.store.invalidate(this.full(patterns));
      return result;
    }
    const rows = new EvictionRows(this.table, patterns);
    const result = await withCommitHook(rows, write);
    // A write without a transaction of its own gets its rows now, still before its response.
    if (rows.ids.length === 0) await this.invalidate(patterns);
    else await this.apply(rows.ids, patterns);
    return result;
  }

  pendingInvalidations(now = Date.now()): PendingInvalidations {
    const { count, oldestAt } = this.pending;
    return { count, oldestAgeSeconds: oldestAt === undefined ? 0 : Math.max(0, (now - oldestAt) / 1000) };
  }

  /**
   * Applies every pending row to Redis and deletes it; false when Redis or the database failed
   * (the rows stay). Beyond MAX_PENDING_INVALIDATIONS rows the whole namespace is cleared instead.
   */
  async drain(): Promise<boolean> {
    return this.table ? (await this.drainTable(this.table)).drained : true;
  }

  /** One round: recover or drain when Redis answers, else apply new rows to memory; then refresh the figures. */
  async poll(): Promise<void> {
    const table = this.table;
    if (!table || this.polling) return;
    this.polling = true;
    try {
      let current: OutboxSummary | undefined;
      if (this.store.needsRecovery) await this.store.recover();
      else if (this.store.activeStore === 'redis') current = (await this.drainTable(table)).current;
      else current = await this.applyToMemory(table);
      this.pending = current ?? (await table.summary());
    } catch (error) {
      this.logger.debug(`Cache outbox poll failed: ${describe(error)}`);
    } finally {
      this.polling = false;
    }
  }

  /** `current`: the table's summary when no row was deleted since it was taken, so the poll need not ask again. */
  private async drainTable(table: OutboxTable): Promise<{ drained: boolean; current?: OutboxSummary }> {
    try {
      const summary = await table.summary();
      if (summary.count === 0) return { drained: true, current: summary };
      if (summary.count > MAX_PENDING_INVALIDATIONS) {
        await this.store.invalidateRedis(this.full([CLEAR_ALL_PATTERN]));
        await table.deleteUpTo(summary.maxId);
        this.logger.warn(`Cache: ${summary.count} invalidations were pending; cleared the whole namespace instead`);
        return { drained: true };
      }
      const rows = await table.rows(0, summary.maxId);
      await this.store.invalidateRedis(this.full(rows.map((row) => row.pattern)));
      await table.delete(rows.map((row) => row.id));
      return { drained: true };
    } catch (error) {
      this.logger.debug(`Cache invalidations stay pending: ${describe(error)}`);
      return { drained: false };
    }
  }

  private async apply(ids: readonly number[], patterns: readonly string[]): Promise<InvalidationOutcome> {
    const outcome = await this.store.invalidate(this.full(patterns));
    if (outcome.applied) {
      // Left in place if this fails: the next drain applies it again, which is harmless.
      await this.table?.delete(ids).catch((error: unknown) => this.logger.debug(`Cache outbox delete failed: ${describe(error)}`));
    }
    return outcome;
  }

  /** Returns the summary it worked from: still current, as it deletes no row. */
  private async applyToMemory(table: OutboxTable): Promise<OutboxSummary> {
    const summary = await table.summary();
    // A restore can bring ids back below what was seen.
    if (summary.maxId < this.seenId) this.seenId = 0;
    if (summary.maxId === this.seenId) return summary;
    if (summary.count > MAX_PENDING_INVALIDATIONS) {
      this.store.invalidateMemory(this.full([CLEAR_ALL_PATTERN]));
    } else {
      const rows = await table.rows(this.seenId, summary.maxId);
      this.store.invalidateMemory(this.full(rows.map((row) => row.pattern)));
    }
    this.seenId = summary.maxId;
    return summary;
  }

  /** Full-key globs, each once. */
  private full(patterns: readonly string[]): string[] {
    return [...new Set(patterns)].map((pattern) => this.namespace + pattern);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
