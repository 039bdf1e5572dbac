import type { BackupStage } from '../backup.errors.js';
import type { BackupManifest, BackupTrigger } from './backup.manifest.js';

export type RunOperation = 'create' | 'verify' | 'prune' | 'restore';
export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** One backup operation as every replica sees it. */
export interface RunRecord {
  id: string;
  operation: RunOperation;
  trigger?: BackupTrigger;
  /** The scheduled slot (cron time) a scheduled backup ran for. */
  slot?: string;
  instance: string;
  startedAt: string;
  finishedAt?: string;
  outcome: RunOutcome;
  /** The backup it made or worked on. */
  backup?: string;
  stage?: BackupStage;
  reason?: string;
}

export interface BackupSuccess {
  at: string;
  name: string;
  sizeBytes: number;
  durationMs: number;
}

export interface BackupFailure {
  at: string;
  stage: BackupStage;
  reason: string;
  name?: string;
  instance?: string;
}

/**
 * The run journal of one database: the newest runs and what the status is made of. Stored where
 * every replica reads it (S3 beside the backups, else the backup folder), written under the run lock.
 */
export interface JournalState {
  version: 1;
  /** When this database's backups were first tracked: the start of a new deployment's first period. */
  trackedSince: string;
  lastSuccess: BackupSuccess | null;
  lastVerifiedAt: string | null;
  lastFailure: BackupFailure | null;
  /** Whether the newest backup run succeeded (null before the first). */
  lastRunOk: boolean | null;
  /** Newest first. */
  runs: RunRecord[];
}

export const MAX_RUNS = 50;

export function emptyJournal(now: Date): JournalState {
  return {
    version: 1,
    trackedSince: now.toISOString(),
    lastSuccess: null,
    lastVerifiedAt: null,
    lastFailure: null,
    lastRunOk: null,
    runs: [],
  };
}

export function parseJournal(text: string | undefined): JournalState | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<JournalState>;
    if (value.version !== 1 || typeof value.trackedSince !== 'string' || !Array.isArray(value.runs)) return null;
    return value as JournalState;
  } catch {
    return null;
  }
}

export function beginRun(state: JournalState, run: RunRecord): JournalState {
  return { ...state, runs: [run, ...state.runs].slice(0, MAX_RUNS) };
}

export function patchRun(state: JournalState, id: string, fields: Partial<RunRecord>): JournalState {
  return { ...state, runs: state.runs.map((run) => (run.id === id ? { ...run, ...fields } : run)) };
}

export function finishRun(
  state: JournalState,
  id: string,
  outcome: Exclude<RunOutcome, 'running'>,
  patch: Partial<RunRecord> = {},
): JournalState {
  return patchRun(state, id, { ...patch, outcome, finishedAt: new Date().toISOString() });
}

/** The runs still marked running, other than `live` (the caller's own). */
export function unfinishedRuns(state: JournalState, live: ReadonlySet<string>): RunRecord[] {
  return state.runs.filter((run) => run.outcome === 'running' && !live.has(run.id));
}

/**
 * Marks runs that never finished (their process died) as failed, "interrupted"; an interrupted
 * backup run makes the newest run a failure, so nothing is pruned until a backup succeeds again.
 */
export function interruptRuns(state: JournalState, runs: RunRecord[], now: Date): JournalState {
  let next = state;
  for (const run of runs) {
    const reason = `The ${run.operation} run started at ${run.startedAt} on instance ${run.instance} never finished (its process stopped)`;
    next = finishRun(next, run.id, 'interrupted', { stage: 'interrupted', reason });
    const lastFailure = { at: now.toISOString(), stage: 'interrupted' as const, reason, name: run.backup, instance: run.instance };
    next = { ...next, lastFailure, lastRunOk: run.operation === 'create' ? false : next.lastRunOk };
  }
  return next;
}

export function recordSuccess(state: JournalState, manifest: BackupManifest): JournalState {
  const lastSuccess = { at: manifest.createdAt, name: manifest.name, sizeBytes: manifest.sizeBytes, durationMs: manifest.durationMs };
  return { ...state, lastSuccess: newerSuccess(state.lastSuccess, lastSuccess), lastRunOk: true };
}

/** Fills in what a manifest proves (a success, a verification) without moving anything back in time. */
export function adoptManifest(state: JournalState, manifest: BackupManifest): JournalState {
  const success = { at: manifest.createdAt, name: manifest.name, sizeBytes: manifest.sizeBytes, durationMs: manifest.durationMs };
  const verified = manifest.verification?.ok && (!state.lastVerifiedAt || manifest.createdAt > state.lastVerifiedAt);
  return {
    ...state,
    lastSuccess: newerSuccess(state.lastSuccess, success),
    lastVerifiedAt: verified ? manifest.createdAt : state.lastVerifiedAt,
  };
}

export function recordFailure(state: JournalState, failure: BackupFailure, runFailed: boolean): JournalState {
  return { ...state, lastFailure: failure, lastRunOk: runFailed ? false : state.lastRunOk };
}

/** Whether a run for this scheduled slot was already started (by any replica). */
export function hasSlot(state: JournalState, slot: string): RunRecord | undefined {
  return state.runs.find((run) => run.slot === slot);
}

function newerSuccess(current: BackupSuccess | null, candidate: BackupSuccess): BackupSuccess {
  return current && current.at > candidate.at ? current : candidate;
}
