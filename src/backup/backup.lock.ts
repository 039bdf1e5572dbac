import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { PgConnection } from './pg-connection.js';

/** Injection token of the lock that keeps backups on several replicas from running at once. */
export const BACKUP_LOCK = Symbol('mentorhub:backup:lock');

export interface LockHandle {
  /** Gives the lock up; with `holdMs` it stays taken that long first (see BACKUP_LOCK_SETTLE_MS). */
  release(holdMs?: number): Promise<void>;
}

export interface BackupLock {
  readonly kind: 'redis' | 'postgres' | 'local';
  /** The lock, or null when another holder has it. Throws when the lock service is unreachable. */
  tryAcquire(): Promise<LockHandle | null>;
  close(): Promise<void>;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One process only (SQLite without Redis): the in-process guard is all there is. */
export class LocalBackupLock implements BackupLock {
  readonly kind = 'local' as const;
  private held = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  async tryAcquire(): Promise<LockHandle | null> {
    if (this.held) return null;
    this.held = true;
    return {
      release: async (holdMs = 0) => {
        if (holdMs <= 0) {
          this.held = false;
          return;
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.held = false;
        }, holdMs);
        timer.unref();
        this.timers.add(timer);
      },
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.held = false;
  }
}

const RENEW_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * `SET key token NX PX ttl`: taken by one replica, renewed while the run lasts (a crashed holder
 * loses it after the TTL), released only by its owner (compare-and-delete in Lua).
 */
export class RedisBackupLock implements BackupLock {
  readonly kind = 'redis' as const;
  private readonly logger = new Logger(RedisBackupLock.name);
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {
    // Fail fast like the cache's client: a Redis that accepts and never answers must not hang the
    // cron (the fallback lock takes over on the error).
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 2_000,
      enableOfflineQueue: false,
      disconnectTimeout: 100,
    });
    // Errors surface on the commands; this only keeps ioredis from printing unhandled-error warnings.
    this.redis.on('error', () => undefined);
  }

  async tryAcquire(): Promise<LockHandle | null> {
    if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
    const token = randomUUID();
    const taken = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    if (taken !== 'OK') return null;
    const renewal = setInterval(
      () => {
        this.redis.eval(RENEW_SCRIPT, 1, this.key, token, String(this.ttlMs)).then(
          (renewed) => {
            if (renewed !== 1) this.logger.warn('The backup lock expired before the run finished');
          },
          (error: unknown) => this.logger.warn(`Could not renew the backup lock: ${reason(error)}`),
        );
      },
      Math.floor(this.ttlMs / 3),
    );
    renewal.unref();
    return {
      release: async (holdMs = 0) => {
        clearInterval(renewal);
        if (holdMs > 0) await this.redis.eval(RENEW_SCRIPT, 1, this.key, token, String(holdMs));
        else await this.redis.eval(RELEASE_SCRIPT, 1, this.key, token);
      },
    };
  }

  async close(): Promise<void> {
    if (this.redis.status !== 'wait' && this.redis.status !== 'end') this.redis.disconnect();
  }
}

/**
 * A session-level advisory lock on its own connection: PostgreSQL frees it if the holder dies,
 * so a crashed replica never blocks the next run.
 */
export class PostgresBackupLock implements BackupLock {
  readonly kind = 'postgres' as const;
  private readonly logger = new Logger(PostgresBackupLock.name);
  private readonly holders = new Map<pg.Client, NodeJS.Timeout | undefined>();

  constructor(
    private readonly connection: PgConnection,
    private readonly key: string,
  ) {}

  async tryAcquire(): Promise<LockHandle | null> {
    const client = new pg.Client({
      host: this.connection.host,
      port: this.connection.port,
      user: this.connection.user,
      password: this.connection.password,
      database: this.connection.database,
      connectionTimeoutMillis: 5_000,
      application_name: 'mentorhub-backup-lock',
    });
    client.on('error', (error) => this.logger.warn(`Backup lock connection failed: ${error.message}`));
    await client.connect();
    const result = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS taken', [this.key]);
    if (!result.rows[0].taken) {
      await client.end();
      return null;
    }
    this.holders.set(client, undefined);
    return {
      release: async (holdMs = 0) => {
        if (holdMs <= 0) return this.unlock(client);
        const timer = setTimeout(() => void this.unlock(client), holdMs);
        timer.unref();
        this.holders.set(client, timer);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.holders.keys()].map((client) => this.unlock(client)));
  }

  private async unlock(client: pg.Client): Promise<void> {
    if (!this.holders.has(client)) return;
    clearTimeout(this.holders.get(client));
    this.holders.delete(client);
    // Ending the session frees its advisory locks.
    await client.end().catch((error: unknown) => this.logger.warn(`Could not close the backup lock connection: ${reason(error)}`));
  }
}

/** Redis first; when Redis is unreachable, the fallback (the PostgreSQL advisory lock, or the local guard), so backups still run. */
export class FallbackBackupLock implements BackupLock {
  private readonly logger = new Logger(FallbackBackupLock.name);

  constructor(
    private readonly primary: BackupLock,
    private readonly fallback: BackupLock,
  ) {}

  get kind(): BackupLock['kind'] {
    return this.primary.kind;
  }

  async tryAcquire(): Promise<LockHandle | null> {
    try {
      return await this.primary.tryAcquire();
    } catch (error) {
      this.logger.warn(`The ${this.primary.kind} backup lock is unavailable (${reason(error)}); using the ${this.fallback.kind} lock`);
      return this.fallback.tryAcquire();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }
}
