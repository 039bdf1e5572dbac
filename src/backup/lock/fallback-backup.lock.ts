import { Logger } from '@nestjs/common';
import { errorMessage } from '../backup.errors.js';
import type { BackupLock, LockHandle } from './backup.lock.js';

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
      this.logger.warn(
        `The ${this.primary.kind} backup lock is unavailable (${errorMessage(error)}); using the ${this.fallback.kind} lock`,
      );
      return this.fallback.tryAcquire();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.fallback.close()]);
  }
}
