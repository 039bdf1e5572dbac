import type { PostgresAdvisoryLocks } from '../../common/postgres/postgres-advisory-lock.js';
import type { BackupLock, LockHandle } from './backup.lock.js';

/**
 * The shared advisory lock: PostgreSQL frees it if the holder dies, so a crashed replica never
 * blocks the next run.
 */
export class PostgresBackupLock implements BackupLock {
  readonly kind = 'postgres' as const;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly locks: PostgresAdvisoryLocks,
    private readonly key: string,
  ) {}

  async tryAcquire(): Promise<LockHandle | null> {
    const handle = await this.locks.tryAcquire(this.key, 'mentorhub-backup-lock');
    if (!handle) return null;
    return {
      release: async (holdMs = 0) => {
        if (holdMs <= 0) return handle.release();
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void handle.release();
        }, holdMs);
        timer.unref();
        this.timers.add(timer);
      },
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.locks.close();
  }
}
