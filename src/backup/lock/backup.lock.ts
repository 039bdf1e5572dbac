import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Injection token of the lock that keeps backups on several replicas from running at once. */
export const BACKUP_LOCK = Symbol('mentorhub:backup:lock');

/** Who holds the run lock, so a refusal can say what actually runs. */
export interface LockHolder {
  instance: string;
  /** The operation that holds it: create, verify, prune, restore, or recovery (the clean-up after a crash). */
  operation: string;
  since: string;
  host: string;
  pid: number;
  /** Random per process: tells a restarted process from its predecessor with the same host and pid (pid 1 in a container). */
  process: string;
}

export interface LockHandle {
  release(): Promise<void>;
}

export interface BackupLock {
  readonly kind: 'redis' | 'postgres' | 'local';
  /** The run lock, or null when another holder has it. Throws when the lock service is unreachable. */
  tryAcquire(holder: LockHolder): Promise<LockHandle | null>;
  /** Who holds the run lock now; null when it is free (or the holder cannot be told). */
  holder(): Promise<LockHolder | null>;
  /**
   * Claims one scheduled slot (its time is the key) for this process: true for exactly one
   * claimant. The claim outlasts the run by `keepMs`, so a replica whose timer fires late finds
   * the slot taken instead of running it again; the next slot has a key of its own.
   */
  claimSlot(slot: string, holder: LockHolder, keepMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const THIS_PROCESS = { host: hostname(), pid: process.pid, process: randomUUID() };

/** A holder for this process. */
export function holderFor(instance: string, operation: string): LockHolder {
  return { instance, operation, since: new Date().toISOString(), ...THIS_PROCESS };
}

export function describeHolder(holder: LockHolder): string {
  return `${holder.operation} on instance ${holder.instance} since ${holder.since}`;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a holder recorded on this host has died (killed, crashed): its process is gone, or it
 * was an earlier process with this very pid. Holders on other hosts cannot be told and count as alive.
 */
export function isDeadHolder(holder: LockHolder): boolean {
  if (holder.host !== THIS_PROCESS.host) return false;
  if (holder.pid === THIS_PROCESS.pid) return holder.process !== THIS_PROCESS.process;
  return !processExists(holder.pid);
}

export function parseHolder(text: string | null | undefined): LockHolder | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.instance !== 'string' || typeof value.operation !== 'string' || typeof value.pid !== 'number') return null;
    return value as LockHolder;
  } catch {
    return null;
  }
}
