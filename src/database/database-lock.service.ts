import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PostgresAdvisoryLocks } from '../common/postgres/postgres-advisory-lock.js';
import { databaseConfig, type DatabaseConfig } from './database.config.js';

/**
 * A cluster-wide mutex for start-up work that several replicas may attempt at once (migrations,
 * demo data): a PostgreSQL advisory lock on a session of its own. SQLite is one file on one host,
 * whose own locking already serialises writers, so the work just runs.
 */
@Injectable()
export class DatabaseLockService implements OnApplicationShutdown {
  private readonly locks: PostgresAdvisoryLocks | undefined;

  constructor(@Inject(databaseConfig.KEY) config: DatabaseConfig) {
    const connection = config.connection;
    this.locks = connection.engine === 'postgres' ? new PostgresAdvisoryLocks(connection.url) : undefined;
  }

  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (!this.locks) return work();
    const handle = await this.locks.acquire(name, `mentorhub-startup:${name}`);
    try {
      return await work();
    } finally {
      await handle.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.locks?.close();
  }
}
