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
