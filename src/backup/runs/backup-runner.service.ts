import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { BackupError, errorMessage } from '../backup.errors.js';
import { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import type { BackupTrigger } from '../catalogue/backup.manifest.js';
import { BackupStatusService } from '../catalogue/backup-status.service.js';
import { beginRun, finishRun, hasSlot, patchRun, type RunOperation, type RunRecord } from '../catalogue/run-journal.js';
import { RunJournal } from '../catalogue/run-journal.service.js';
import { BACKUP_LOCK, describeHolder, holderFor, type BackupLock, type LockHandle } from '../lock/backup.lock.js';
import { BackupRecovery } from './backup-recovery.service.js';

/** How often a scheduled run that found the lock taken asks again. */
const LOCK_POLL_MS = 1000;

export interface RunRequest {
  operation: RunOperation;
  trigger?: BackupTrigger;
  /** A scheduled run's slot: it runs only if no replica ran this slot yet. */
  slot?: string;
  /** A scheduled run waits for a running one until then (epoch ms); others are refused at once. */
  waitUntil?: number;
}

/** What a running operation can tell its journal record. */
export interface ActiveRun {
  /** The backup this run made or works on, recorded as soon as it has a name. */
  setBackup(name: string): Promise<void>;
}

/**
 * Runs one backup operation at a time: alone in this process, under the run lock across replicas
 * (refused with what holds it, or waited for by a scheduled run), after cleaning up what dead runs
 * left, and recorded in the run journal from start to outcome.
 */
@Injectable()
export class BackupRunner {
  private readonly logger = new Logger(BackupRunner.name);
  private readonly live = new Set<string>();

  constructor(
    @Inject(BACKUP_LOCK) private readonly lock: BackupLock,
    private readonly catalogue: BackupCatalogue,
    private readonly journal: RunJournal,
    private readonly status: BackupStatusService,
    private readonly recovery: BackupRecovery,
  ) {}

  /** Runs `work`; resolves undefined (without running it) when another replica already ran the slot. */
  async run<T>(request: RunRequest, work: (run: ActiveRun) => Promise<T>): Promise<T | undefined> {
    const running = this.status.running;
    if (running) throw new BackupError('in_progress', `A backup operation (${running}) is already running on this instance`);
    this.status.setRunning(request.operation);
    try {
      const handle = await this.acquire(request);
      try {
        return await this.journaled(request, work);
      } finally {
        await handle.release().catch((error: unknown) => this.logger.warn(`Could not release the backup lock: ${errorMessage(error)}`));
      }
    } finally {
      this.status.setRunning(null);
    }
  }

  private async journaled<T>(request: RunRequest, work: (run: ActiveRun) => Promise<T>): Promise<T | undefined> {
    const id = randomUUID();
    this.live.add(id);
    try {
      await this.recovery.recover(this.live);
      const earlier = request.slot ? hasSlot(this.journal.snapshot, request.slot) : undefined;
      if (earlier) {
        this.logger.log(`Slot ${request.slot} already ran on instance ${earlier.instance}; skipping it`);
        return undefined;
      }
      const record: RunRecord = {
        id,
        operation: request.operation,
        ...(request.trigger ? { trigger: request.trigger } : {}),
        ...(request.slot ? { slot: request.slot } : {}),
        instance: this.catalogue.instance,
        startedAt: new Date().toISOString(),
        outcome: 'running',
      };
      await this.journal.update((state) => beginRun(state, record));
      const active: ActiveRun = {
        setBackup: async (name) => void (await this.journal.update((state) => patchRun(state, id, { backup: name }))),
      };
      try {
        const result = await work(active);
        await this.journal.update((state) => finishRun(state, id, 'succeeded'));
        return result;
      } catch (error) {
        const failure = error instanceof BackupError ? error : undefined;
        await this.journal.update((state) => finishRun(state, id, 'failed', { stage: failure?.stage, reason: errorMessage(error) }));
        throw error;
      }
    } finally {
      this.live.delete(id);
      this.status.publish();
    }
  }

  /** The run lock; a scheduled run waits for a running one until `waitUntil`, everything else is refused at once. */
  private async acquire(request: RunRequest): Promise<LockHandle> {
    const holder = holderFor(this.catalogue.instance, request.trigger ? `${request.operation} (${request.trigger})` : request.operation);
    let announced = false;
    for (;;) {
      let handle: LockHandle | null;
      try {
        handle = await this.lock.tryAcquire(holder);
      } catch (error) {
        await this.status.recordFailure({ stage: 'lock', reason: `The backup lock is unavailable: ${errorMessage(error)}` }, true);
        throw new BackupError('failed', 'The backup lock is unavailable', 'lock');
      }
      if (handle) return handle;
      const current = await this.lock.holder().catch(() => null);
      const what = current ? describeHolder(current) : 'on another instance';
      if (request.waitUntil === undefined || Date.now() + LOCK_POLL_MS >= request.waitUntil) {
        throw new BackupError('locked', `A backup operation is already running: ${what}`, 'lock');
      }
      if (!announced) this.logger.log(`Slot ${request.slot ?? ''} waits for the backup lock: ${what}`);
      announced = true;
      await delay(LOCK_POLL_MS);
    }
  }
}
