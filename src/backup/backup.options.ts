import type { RedisOptions } from 'ioredis';
import type { Registry } from 'prom-client';

/** The database to back up, as the host application reaches it. */
export type BackupDatabase = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

/**
 * The host's own connection to an SQLite database (a TypeORM DataSource fits): a restore closes
 * it for the file swap and reopens it afterwards.
 */
export interface ReopenableConnection {
  readonly isInitialized: boolean;
  destroy(): Promise<void>;
  initialize(): Promise<unknown>;
}

/** Where the host's admin metrics view takes named sections from (optional). */
export interface MetricsSectionSink {
  register(name: string, snapshot: () => unknown): void;
}

/** What the host application gives the backup module; everything else comes from its own BACKUP_* and AWS_* variables. */
export interface BackupModuleOptions {
  database: BackupDatabase;
  /** This replica's id in statuses, journals and lock messages (INSTANCE_ID); the host name without it. */
  instanceId?: string;
  sqliteConnection?: ReopenableConnection;
  /** Redis for the cross-replica lock; without it the PostgreSQL advisory lock (or a lock file) is used. */
  redis?: RedisOptions;
  /** Key prefixes the host deletes in bulk (a cache namespace): the lock key must stay outside them. */
  reservedRedisPrefixes?: string[];
  /** The registry `/metrics` exposes; a private one (scraped by nobody) without it. */
  prometheusRegistry?: Registry;
  metricsSections?: MetricsSectionSink;
}

export const BACKUP_MODULE_OPTIONS = Symbol('mentorhub:backup:options');
