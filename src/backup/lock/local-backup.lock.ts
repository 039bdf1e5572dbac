import type { BackupLock, LockHandle } from './backup.lock.js';

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
