import type { BackupCatalogue, StoredBackup } from '../catalogue/backup-catalogue.service.js';
import { backupStem } from '../catalogue/backup.naming.js';
import type { BackupStatusService } from '../catalogue/backup-status.service.js';
import type { BackupConfig } from '../config/backup.config.js';
import { BackupPruner } from './backup-pruner.service.js';

const DAY = 24 * 3600 * 1000;

const stored = (ageDays: number, verified?: boolean): StoredBackup =>
  ({
    name: backupStem(new Date(Date.now() - ageDays * DAY)),
    manifest: verified === undefined ? {} : { verification: { ok: verified } },
  }) as StoredBackup;

/** The pruner on fakes: a catalogue of the given backups (newest first) and a status whose newest run did or did not fail. */
function pruner(
  backups: StoredBackup[],
  options: { lastRunOk?: boolean | null; listError?: string; listFails?: boolean; deleteError?: string; retentionForce?: boolean } = {},
) {
  const deleted: string[] = [];
  const failures: { failure: unknown; runFailed: boolean }[] = [];
  const catalogue = {
    stored: async () => {
      if (options.listFails) throw new Error('EACCES');
      return { backups, ...(options.listError ? { error: options.listError } : {}) };
    },
    delete: async (backup: StoredBackup) => {
      deleted.push(backup.name);
      return options.deleteError;
    },
  } as unknown as BackupCatalogue;
  const status = {
    getStatus: () => ({ lastRunOk: options.lastRunOk ?? true }),
    recordFailure: async (failure: unknown, runFailed: boolean) => void failures.push({ failure, runFailed }),
  } as unknown as BackupStatusService;
  const config = { retentionDays: 7, keepLast: 1, retentionForce: options.retentionForce ?? false } as BackupConfig;
  return { pruner: new BackupPruner(config, catalogue, status), deleted, failures };
}

describe('BackupPruner refusals (fakes)', () => {
  const backups = () => [stored(1, true), stored(10, true), stored(20)];

  it('deletes what retention plans to delete, and says what it kept', async () => {
    const all = backups();
    const { pruner: subject, deleted, failures } = pruner(all);
    await expect(subject.prune()).resolves.toEqual({ retentionDays: 7, kept: [all[0].name], deleted: [all[1].name, all[2].name] });
    expect(deleted).toEqual([all[1].name, all[2].name]);
    expect(failures).toEqual([]);
  });

  it('keeps the newest verified backups besides the newest one', async () => {
    const all = [stored(1), stored(10, true), stored(20, true)];
    const { pruner: subject, deleted } = pruner(all);
    await expect(subject.prune()).resolves.toMatchObject({ kept: [all[0].name, all[1].name], deleted: [all[2].name] });
    expect(deleted).toEqual([all[2].name]);
  });

  it('never prunes after a failed backup run, and records the refusal', async () => {
    const { pruner: subject, deleted, failures } = pruner(backups(), { lastRunOk: false });
    await expect(subject.prune()).rejects.toMatchObject({
      code: 'refused',
      stage: 'prune',
      message: 'The newest backup run failed; nothing is pruned until a backup succeeds',
    });
    expect(deleted).toEqual([]);
    expect(failures).toEqual([
      { failure: { stage: 'prune', reason: 'The newest backup run failed; nothing is pruned until a backup succeeds' }, runFailed: false },
    ]);
  });

  it('prunes before the first run (no outcome yet) as after a successful one', async () => {
    const { pruner: subject, deleted } = pruner(backups(), { lastRunOk: null });
    await subject.prune();
    expect(deleted).toHaveLength(2);
  });

  it('never prunes when the newest backup failed its verification', async () => {
    const all = [stored(1, false), stored(10, true)];
    const { pruner: subject, deleted } = pruner(all);
    await expect(subject.prune()).rejects.toMatchObject({
      code: 'refused',
      message: `The newest backup ${all[0].name} failed its verification; nothing is pruned`,
    });
    expect(deleted).toEqual([]);
  });

  it('refuses a retention below 7 days unless forced by the call or the configuration', async () => {
    await expect(pruner(backups()).pruner.prune({ retentionDays: 6 })).rejects.toMatchObject({
      code: 'refused',
      message: 'Retention below 7 days (6) needs --force',
    });
    await expect(pruner(backups()).pruner.prune({ retentionDays: 7 })).resolves.toMatchObject({ retentionDays: 7 });
    await expect(pruner(backups()).pruner.prune({ retentionDays: 6, force: true })).resolves.toMatchObject({ retentionDays: 6 });
    await expect(pruner(backups(), { retentionForce: true }).pruner.prune({ retentionDays: 6 })).resolves.toMatchObject({
      retentionDays: 6,
    });
  });

  it('records an S3 error of the listing or of a deletion, without failing the prune', async () => {
    const listing = pruner(backups(), { listError: 'S3 list failed' });
    await expect(listing.pruner.prune()).resolves.toMatchObject({ s3Error: 'S3 list failed' });
    expect(listing.failures).toEqual([{ failure: { stage: 'prune', reason: 'S3 list failed' }, runFailed: false }]);
    const deleting = pruner(backups(), { listError: 'S3 list failed', deleteError: 'S3 delete failed' });
    await expect(deleting.pruner.prune()).resolves.toMatchObject({ s3Error: 'S3 delete failed' });
  });

  it('reports any other failure as a prune failure', async () => {
    const { pruner: subject, failures } = pruner(backups(), { listFails: true });
    await expect(subject.prune()).rejects.toMatchObject({ name: 'BackupError', code: 'failed', stage: 'prune', message: 'EACCES' });
    expect(failures).toEqual([{ failure: { stage: 'prune', reason: 'EACCES' }, runFailed: false }]);
  });
});
