import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { runCommitHooks } from '../common/transactions/commit-hooks.js';
import { runSerialOnSqlite } from '../common/transactions/sqlite-serial.js';

/**
 * Runs write transactions: on SQLite one after another (see runSerialOnSqlite), on PostgreSQL
 * concurrently. The caller's commit hooks (see withCommitHook) write their rows in the same transaction.
 */
@Injectable()
export class TransactionRunner {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const withHooks = async (manager: EntityManager) => {
      const result = await work(manager);
      await runCommitHooks(manager);
      return result;
    };
    return runSerialOnSqlite(this.dataSource, () => this.dataSource.transaction(withHooks));
  }
}
