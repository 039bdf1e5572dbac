import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fakeBackup, fakeS3, unitBackupsPerTest, visibleFiles } from '../../test/support/backup-unit.js';
import type { BackupManifest } from './catalogue/backup.manifest.js';
import { backupStem } from './catalogue/backup.naming.js';
import { beginRun } from './catalogue/run-journal.js';
import { holderFor } from './lock/backup.lock.js';

const S3 = { bucket: 'b', region: 'r', accessKeyId: 'a', secretAccessKey: 's', retries: 2, retryDelayMs: 1 };
const slotAt = (iso: string, verify = false) => ({
  slot: new Date(iso),
  next: new Date(Date.parse(iso) + 60_000),
  claimMs: 60_000,
  verify,
  prune: false,
});

describe('BackupService (real module, fake engine and S3)', () => {
  const units = unitBackupsPerTest();
  const build = units.build;

  it('writes the backup and its manifest, naming the database, and records the run', async () => {
    const { service, status } = await build();
    const { manifest, s3 } = await service.createBackup();
    expect(s3).toBe('disabled');
    expect(await visibleFiles(units.dir)).toEqual([manifest.file, `${manifest.name}.json`].sort());
    expect(JSON.parse(await readFile(join(units.dir, `${manifest.name}.json`), 'utf8'))).toMatchObject({
      appVersion: expect.any(String),
      latestMigration: 'M1',
      trigger: 'manual',
      databaseId: expect.stringMatching(/^sqlite-[0-9a-f]{16}$/),
    });
    expect(status.getStatus().recentRuns[0]).toMatchObject({
      operation: 'create',
      outcome: 'succeeded',
      backup: manifest.name,
      instance: 'unit-1',
    });
  });

  it('leaves no file after a failed dump, records the failure and counts it', async () => {
    const { service, status, registry } = await build();
    units.engine.failDump = true;
    await expect(service.createBackup()).rejects.toMatchObject({ code: 'failed', stage: 'dump', message: 'disk full' });
    expect(await readdir(units.dir)).not.toEqual(expect.arrayContaining([expect.stringMatching(/partial|\.sqlite\.gz$/)]));
    expect(status.getStatus()).toMatchObject({ lastRunOk: false, lastFailure: { stage: 'dump', reason: 'disk full', instance: 'unit-1' } });
    expect(status.getStatus().recentRuns[0]).toMatchObject({ outcome: 'failed', stage: 'dump' });
    expect(await registry.getSingleMetricAsString('mentorhub_backup_failures_total')).toContain('stage="dump"} 1');
  });

  it('retries a failed upload with backoff, then keeps the local backup and records an S3 failure', async () => {
    const s3 = fakeS3(10);
    const { service, status } = await build({ s3: S3 }, s3);
    const result = await service.createBackup();
    expect(s3.uploads).toBe(3);
    expect(result).toMatchObject({ s3: 'failed', s3Error: 'S3 upload failed: connection refused' });
    expect(await visibleFiles(units.dir)).toEqual([result.manifest.file, `${result.manifest.name}.json`].sort());
    expect(status.getStatus()).toMatchObject({ lastRunOk: true, lastFailure: { stage: 's3-upload' } });
  });

  it('succeeds on a retry and records the S3 copy in both manifests, and the journal in S3', async () => {
    const s3 = fakeS3(1);
    const { service } = await build({ s3: S3 }, s3);
    const result = await service.createBackup();
    expect(result.s3).toBe('uploaded');
    const local = JSON.parse(await readFile(join(units.dir, `${result.manifest.name}.json`), 'utf8')) as BackupManifest;
    expect(local.s3).toMatchObject({ key: `backups/db/${result.manifest.file}`, checkedBy: 'md5' });
    expect(JSON.parse(s3.texts.get(`backups/db/${result.manifest.name}.json`)!)).toEqual(local);
    expect(JSON.parse(s3.texts.get('backups/db/journal.json')!)).toMatchObject({ lastSuccess: { name: result.manifest.name } });
  });

  it('refuses a second operation while one runs in this process', async () => {
    const { service } = await build();
    let release!: () => void;
    units.engine.gate = new Promise<void>((resolve) => (release = resolve));
    const first = service.createBackup();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(service.createBackup()).rejects.toMatchObject({ code: 'in_progress' });
    await expect(service.verifyBackup(backupStem(new Date()))).rejects.toMatchObject({ code: 'in_progress' });
    release();
    await first;
  });

  it('refuses a manual backup while another process runs one, saying what runs where', async () => {
    const { service, lock } = await build();
    const other = await lock.tryAcquire(holderFor('api-7', 'create (scheduled)'));
    try {
      await expect(service.createBackup()).rejects.toMatchObject({
        code: 'locked',
        message: expect.stringMatching(/^A backup operation is already running: create \(scheduled\) on instance api-7 since \d{4}-/),
      });
      expect(units.engine.dumps).toBe(0);
    } finally {
      await other!.release();
    }
    // Released means free: no hold after a run, so the next backup starts at once.
    await expect(service.createBackup()).resolves.toMatchObject({ manifest: { trigger: 'manual' } });
  });

  it('runs each slot on exactly one of two replicas, and every slot, however close together', async () => {
    const first = await build({}, null, 'api-1');
    const second = await build({}, null, 'api-2');
    for (const iso of ['2026-01-01T03:00:00.000Z', '2026-01-01T03:00:10.000Z', '2026-01-01T03:00:20.000Z']) {
      await Promise.all([first.service.runScheduled(slotAt(iso)), second.service.runScheduled(slotAt(iso))]);
    }
    const runs = (await first.status.read()).recentRuns.filter((run) => run.trigger === 'scheduled');
    expect(runs.map((run) => run.slot).sort()).toEqual([
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T03:00:10.000Z',
      '2026-01-01T03:00:20.000Z',
    ]);
    expect(runs.every((run) => run.outcome === 'succeeded')).toBe(true);
    expect(units.engine.dumps).toBe(3);
    const manifests = (await visibleFiles(units.dir)).filter((file) => file.endsWith('.json'));
    const slots = await Promise.all(
      manifests.map(async (file) => (JSON.parse(await readFile(join(units.dir, file), 'utf8')) as BackupManifest).slot),
    );
    expect(slots.sort()).toEqual(runs.map((run) => run.slot).sort());
  });

  it('lets a slot wait for a backup that is still running, then runs it', async () => {
    const { service, status } = await build();
    let release!: () => void;
    units.engine.gate = new Promise<void>((resolve) => (release = resolve));
    const other = await units.build({}, null, 'api-2');
    const manual = other.service.createBackup();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const scheduled = service.runScheduled(slotAt(new Date().toISOString()));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    release();
    await Promise.all([manual, scheduled]);
    expect((await status.read()).recentRuns.map((run) => [run.trigger, run.outcome])).toEqual([
      ['scheduled', 'succeeded'],
      ['manual', 'succeeded'],
    ]);
  });

  it('never throws from the cron body when the backup fails', async () => {
    const { service, status } = await build();
    units.engine.failDump = true;
    await expect(service.runScheduled(slotAt('2026-01-01T03:00:00.000Z'))).resolves.toBeUndefined();
    expect(status.getStatus().lastFailure?.stage).toBe('dump');
  });

  it('prunes nothing after a failed scheduled backup, and prunes once one succeeds', async () => {
    const { service } = await build({ keepLast: 0 });
    const old = await fakeBackup(units.dir, 30, { verified: true });
    await fakeBackup(units.dir, 20, { verified: true });
    units.engine.failDump = true;
    await service.runScheduled({ ...slotAt('2026-01-01T03:00:00.000Z'), prune: true });
    expect(await visibleFiles(units.dir)).toHaveLength(4);
    units.engine.failDump = false;
    await service.runScheduled({ ...slotAt('2026-01-02T03:00:00.000Z'), prune: true });
    expect(await visibleFiles(units.dir)).not.toContain(`${old}.json`);
  });

  it('verifies after a scheduled backup', async () => {
    const { service, status } = await build();
    await service.runScheduled(slotAt(new Date().toISOString(), true));
    const [manifestFile] = (await visibleFiles(units.dir)).filter((file) => file.endsWith('.json'));
    expect(JSON.parse(await readFile(join(units.dir, manifestFile), 'utf8')).verification).toMatchObject({
      ok: true,
      rowCounts: { users: 1 },
    });
    expect(status.getStatus()).toMatchObject({ stale: false, lastRunOk: true });
  });

  describe('after a process died mid-run', () => {
    it('removes its partial files, records the run as interrupted and counts it, at the next start', async () => {
      const first = await build();
      const dead = {
        id: 'dead-run',
        operation: 'create' as const,
        trigger: 'manual' as const,
        instance: 'api-9',
        startedAt: '2026-01-01T03:00:00.000Z',
        outcome: 'running' as const,
      };
      await first.journal.update((state) => beginRun(state, dead));
      await first.close();
      const ours = `.mentorhub_backup_20260101_030000.sqlite.gz.${first.status.getStatus().database.id}.1a2b3c4d.partial`;
      const theirs = '.mentorhub_backup_20260101_030000.dump.postgres-0123456789abcdef.5e6f7a8b.partial';
      for (const file of [ours, theirs]) await writeFile(join(units.dir, file), 'half a dump');

      const restarted = await build();
      const files = await readdir(units.dir);
      expect(files).not.toContain(ours);
      // Another database sharing the folder may be writing this one right now.
      expect(files).toContain(theirs);
      expect(restarted.status.getStatus()).toMatchObject({
        lastRunOk: false,
        lastFailure: { stage: 'interrupted', instance: 'api-9' },
        running: null,
      });
      expect(restarted.status.getStatus().recentRuns[0]).toMatchObject({ id: 'dead-run', outcome: 'interrupted' });
      expect(await restarted.registry.getSingleMetricAsString('mentorhub_backup_failures_total')).toContain('stage="interrupted"} 1');
      expect(await restarted.registry.getSingleMetricAsString('mentorhub_backup_runs_total')).toContain('result="failure"} 1');
    });

    it('leaves a running backup alone while its process holds the lock', async () => {
      const { service, status } = await build();
      let release!: () => void;
      units.engine.gate = new Promise<void>((resolve) => (release = resolve));
      const running = service.createBackup();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const other = await units.build({}, null, 'api-2');
      expect((await other.status.read()).activeRun).toMatchObject({ operation: 'create', instance: 'unit-1', outcome: 'running' });
      release();
      await running;
      expect((await status.read()).recentRuns[0]).toMatchObject({ outcome: 'succeeded' });
    });
  });
});
