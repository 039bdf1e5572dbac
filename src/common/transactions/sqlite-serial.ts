import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource } from 'typeorm';

const queues = new WeakMap<DataSource, Promise<unknown>>();
const inside = new AsyncLocalStorage<DataSource>();

/**
 * TypeORM's better-sqlite3 driver runs every query on one shared connection, so a statement sent
 * while another caller's transaction is open joins that transaction (and its rollback undoes it).
 * On SQLite, `work` therefore waits until the work queued before it has finished; work already
 * inside the queue runs at once (no deadlock on itself). PostgreSQL runs everything concurrently.
 */
export function runSerialOnSqlite<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'better-sqlite3' || inside.getStore() === dataSource) return work();
  const result = (queues.get(dataSource) ?? Promise.resolve()).then(() => inside.run(dataSource, work));
  queues.set(
    dataSource,
    result.catch(() => undefined),
  );
  return result;
}
