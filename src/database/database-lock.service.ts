import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * A cluster-wide mutex for start-up work that several replicas may attempt at once (migrations,
 * demo data): a PostgreSQL session advisory lock. SQLite is one file on one host, whose own
 * locking already serialises writers, so the work just runs.
 */
@Injectable()
export class DatabaseLockService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.dataSource.options.type !== 'postgres') return work();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      }
    } finally {
      await runner.release();
    }
  }
}
