import { Logger } from '@nestjs/common';
import { errorMessage } from '../backup.errors.js';
import type { BackupLock, LockHandle, LockHolder } from './backup.lock.js';

/** Redis first; when Redis is unreachable, the fallback (the PostgreSQL advisory lock, or the lock file), so backups still run. */
export class FallbackBackupLock implements BackupLock {
  private readonly logger = new Logger(FallbackBackupLock.name);

  constructor(
    private readonly primary: BackupLock,
    private readonly fallback: BackupLock,
  ) {}

  get kind(): BackupLock['kind'] {
    return this.primary.kind;
  }

  tryAcquire(holder: LockHolder): Promise<LockHandle | null> {
    return this.either((lock) => lock.tryAcquire(holder));
  }

  holder(): Promise<LockHolder | null> {
    return this.either((lock) => lock.holder());
  }

  claimSlot(slot: string, holder: LockHolder, keepMs: number): Promise<boolean> {
    return this.either((lock) => lock.claimSlot(slot, holder, keepMs));
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }

  private async either<T>(use: (lock: BackupLock) => Promise<T>): Promise<T> {
    try {
      return await use(this.primary);
    } catch (error) {
      this.logger.warn(
        `The ${this.primary.kind} backup lock is unavailable (${errorMessage(error)}); using the ${this.fallback.kind} lock`,
      );
      return use(this.fallback);
    }
  }
}
