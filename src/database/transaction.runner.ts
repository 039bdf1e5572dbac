import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { runCommitHooks } from '../common/transactions/commit-hooks.js';

/**
 * Runs write transactions. TypeORM's better-sqlite3 driver shares one connection between all
 * requests, so two concurrent transactions would interleave (one's rollback undoing the other's
 * commit); on SQLite they are queued one after another. PostgreSQL runs them concurrently.
 * The caller's commit hooks (see withCommitHook) write their rows in the same transaction.
 */
@Injectable()
export class TransactionRunner {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const withHooks = async (manager: EntityManager) => {
      const result = await work(manager);
      await runCommitHooks(manager);
      return result;
    };
    if (this.dataSource.options.type !== 'better-sqlite3') return this.dataSource.transaction(withHooks);
    const result = this.queue.then(() => this.dataSource.transaction(withHooks));
    this.queue = result.catch(() => undefined);
    return result;
  }
}
