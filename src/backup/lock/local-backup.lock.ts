import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage } from '../backup.errors.js';
import type { BackupFileSystem } from '../storage/backup.filesystem.js';
import { isDeadHolder, parseHolder, type BackupLock, type LockHandle, type LockHolder } from './backup.lock.js';

/**
 * Without Redis or PostgreSQL (SQLite): a lock file in the backup folder, created exclusively. It
 * keeps the API and the CLI on one host from running at once; a holder whose process is gone
 * (same host), or whose file was not touched for the TTL (another host sharing the folder), is
 * taken over. Slot claims are files too.
 */
export class LocalBackupLock implements BackupLock {
  readonly kind = 'local' as const;
  private readonly logger = new Logger(LocalBackupLock.name);
  private readonly path: string;
  private readonly slotPrefix: string;
  private readonly heartbeats = new Set<NodeJS.Timeout>();

  constructor(
    private readonly files: BackupFileSystem,
    private readonly dir: string,
    key: string,
    private readonly ttlMs: number,
  ) {
    const name = key.replace(/[^A-Za-z0-9_-]/g, '_');
    this.path = join(dir, `.mentorhub_backup_lock_${name}.json`);
    this.slotPrefix = `.mentorhub_backup_slot_${name}_`;
  }

  async tryAcquire(holder: LockHolder): Promise<LockHandle | null> {
    await this.files.ensureDir(this.dir);
    const text = JSON.stringify({ ...holder, token: randomUUID() });
    if (await this.files.createExclusive(this.path, text)) return this.handle(text);
    if (!(await this.isStale())) return null;
    this.logger.warn('Taking over a backup lock file whose holder is gone');
    await this.files.remove(this.path);
    return (await this.files.createExclusive(this.path, text)) ? this.handle(text) : null;
  }

  async holder(): Promise<LockHolder | null> {
    return parseHolder(await this.files.readText(this.path));
  }

  async claimSlot(slot: string, holder: LockHolder, keepMs: number): Promise<boolean> {
    await this.files.ensureDir(this.dir);
    await this.forgetSlotsOlderThan(keepMs);
    return this.files.createExclusive(join(this.dir, `${this.slotPrefix}${slot.replace(/[^0-9TZ]/g, '')}`), holder.instance);
  }

  async close(): Promise<void> {
    for (const timer of this.heartbeats) clearInterval(timer);
    this.heartbeats.clear();
  }

  private async isStale(): Promise<boolean> {
    const [text, modifiedAt] = await Promise.all([this.files.readText(this.path), this.files.modifiedAt(this.path)]);
    if (modifiedAt === undefined) return true;
    const holder = parseHolder(text);
    if (holder && isDeadHolder(holder)) return true;
    return Date.now() - modifiedAt > this.ttlMs;
  }

  private handle(text: string): LockHandle {
    // Touched while held, so a replica on another host sharing the folder sees a live holder.
    const heartbeat = setInterval(
      () => {
        this.files
          .touch(this.path)
          .catch((error: unknown) => this.logger.warn(`Could not touch the backup lock file: ${errorMessage(error)}`));
      },
      Math.floor(this.ttlMs / 3),
    );
    heartbeat.unref();
    this.heartbeats.add(heartbeat);
    return {
      release: async () => {
        clearInterval(heartbeat);
        this.heartbeats.delete(heartbeat);
        if ((await this.files.readText(this.path)) === text) await this.files.remove(this.path);
      },
    };
  }

  private async forgetSlotsOlderThan(keepMs: number): Promise<void> {
    for (const file of await this.files.list(this.dir)) {
      if (!file.startsWith(this.slotPrefix)) continue;
      const modifiedAt = await this.files.modifiedAt(join(this.dir, file));
      if (modifiedAt !== undefined && Date.now() - modifiedAt > keepMs) await this.files.remove(join(this.dir, file));
    }
  }
}
