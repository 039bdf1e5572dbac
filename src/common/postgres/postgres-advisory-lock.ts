import { Logger } from '@nestjs/common';
import pg from 'pg';

/** Who holds an advisory lock: the `application_name` its session announced, and since when that session exists. */
export interface AdvisoryLockHolder {
  applicationName: string;
  since: Date | null;
}

export interface AdvisoryLockHandle {
  /** Ends the lock's session, which frees the lock (also when the connection was already lost). */
  release(): Promise<void>;
}

/** PostgreSQL's application_name holds at most 63 bytes; longer names are cut by the server. */
const MAX_APPLICATION_NAME = 63;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Session-level PostgreSQL advisory locks, each held on a connection of its own opened from the
 * database URL, so `sslmode` and every other URL parameter apply exactly as for the app's pool.
 * PostgreSQL frees the lock when that session ends, so a process that dies never blocks the next.
 * Keys are names hashed with `hashtextextended` (64 bits); the session's `application_name`
 * carries a label that `holder()` reports.
 */
export class PostgresAdvisoryLocks {
  private readonly logger = new Logger(PostgresAdvisoryLocks.name);
  private readonly held = new Set<pg.Client>();

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs = 5_000,
  ) {}

  /** The lock when it is free, else null; throws when PostgreSQL is unreachable. */
  async tryAcquire(key: string, label: string): Promise<AdvisoryLockHandle | null> {
    const client = await this.connect(label);
    try {
      const result = await client.query<{ taken: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS taken', [key]);
      if (result.rows[0].taken) return this.handle(client);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end();
    return null;
  }

  /** Waits until the lock is free, then takes it. */
  async acquire(key: string, label: string): Promise<AdvisoryLockHandle> {
    const client = await this.connect(label);
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return this.handle(client);
  }

  /** The session holding the lock now, or null when it is free. */
  async holder(key: string): Promise<AdvisoryLockHolder | null> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.connectTimeoutMs });
    client.on('error', () => undefined);
    await client.connect();
    try {
      // A 64-bit advisory key shows in pg_locks as classid (high half) and objid (low half), objsubid 1.
      const result = await client.query<{ application_name: string; backend_start: Date | null }>(
        `WITH k AS (SELECT hashtextextended($1, 0) AS v)
         SELECT a.application_name, a.backend_start
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, k
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid = ((k.v >> 32) & 4294967295)::oid AND l.objid = (k.v & 4294967295)::oid
          LIMIT 1`,
        [key],
      );
      const row = result.rows[0];
      return row ? { applicationName: row.application_name, since: row.backend_start } : null;
    } finally {
      await client.end();
    }
  }

  /** Ends every session this instance still holds (at shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.held].map((client) => this.end(client)));
  }

  private async connect(label: string): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.connectTimeoutMs,
      application_name: Buffer.from(label).subarray(0, MAX_APPLICATION_NAME).toString(),
    });
    client.on('error', (error) => this.logger.warn(`Advisory lock connection (${label}) failed: ${error.message}`));
    await client.connect();
    return client;
  }

  private handle(client: pg.Client): AdvisoryLockHandle {
    this.held.add(client);
    return { release: () => this.end(client) };
  }

  private async end(client: pg.Client): Promise<void> {
    if (!this.held.delete(client)) return;
    await client.end().catch((error: unknown) => this.logger.warn(`Could not close an advisory lock connection: ${reason(error)}`));
  }
}
