import type { PostgresAdvisoryLocks } from '../../common/postgres/postgres-advisory-lock.js';
import type { BackupLock, LockHandle, LockHolder } from './backup.lock.js';

/** Session names carry the holder (PostgreSQL keeps 63 bytes of them): `mentorhub-backup/<operation>/<instance>`. */
const LABEL_PREFIX = 'mentorhub-backup/';

/**
 * PostgreSQL advisory locks: PostgreSQL frees them when the holder's session ends, so a crashed
 * replica never blocks the next run. A slot claim holds its own lock for `keepMs` after it is taken.
 */
export class PostgresBackupLock implements BackupLock {
  readonly kind = 'postgres' as const;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly locks: PostgresAdvisoryLocks,
    private readonly key: string,
  ) {}

  async tryAcquire(holder: LockHolder): Promise<LockHandle | null> {
    return this.locks.tryAcquire(this.key, `${LABEL_PREFIX}${holder.operation}/${holder.instance}`);
  }

  async holder(): Promise<LockHolder | null> {
    const session = await this.locks.holder(this.key);
    if (!session?.applicationName.startsWith(LABEL_PREFIX)) return null;
    const [operation, ...instance] = session.applicationName.slice(LABEL_PREFIX.length).split('/');
    return { operation, instance: instance.join('/'), since: session.since?.toISOString() ?? 'unknown', host: '', pid: 0, process: '' };
  }

  async claimSlot(slot: string, holder: LockHolder, keepMs: number): Promise<boolean> {
    const handle = await this.locks.tryAcquire(`${this.key}:slot:${slot}`, `${LABEL_PREFIX}slot/${holder.instance}`);
    if (!handle) return false;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void handle.release();
    }, keepMs);
    timer.unref();
    this.timers.add(timer);
    return true;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.locks.close();
  }
}
