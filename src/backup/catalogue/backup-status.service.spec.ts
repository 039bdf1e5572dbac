import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unitBackupsPerTest, type UnitBackups } from '../../../test/support/backup-unit.js';

describe('BackupStatusService (real module, fake engine)', () => {
  const units = unitBackupsPerTest();
  const build = (enabled = true) => units.build({ enabled });
  const journalFile = async () =>
    join(
      units.dir,
      (await readdir(units.dir)).find((file) => file.startsWith('.mentorhub_backup_journal_'))!,
    );

  it('is stale when the last verified backup is older than the period plus margin (26 h for daily)', async () => {
    const { service, status } = await build();
    // No backup yet: a new deployment has one period (plus margin) to make its first.
    expect(status.getStatus()).toMatchObject({ stale: false, lastVerifiedAt: null, staleAfterMs: 26 * 3600 * 1000 });
    expect(status.getStatus(new Date(Date.now() + 27 * 3600 * 1000)).stale).toBe(true);
    const { manifest } = await service.createBackup();
    await service.verifyBackup(manifest.name);
    const created = new Date(manifest.createdAt).getTime();
    expect(status.getStatus(new Date(created + 25 * 3600 * 1000)).stale).toBe(false);
    expect(status.getStatus(new Date(created + 27 * 3600 * 1000)).stale).toBe(true);
    expect(status.getStatus().nextRunAt).toMatch(/T03:00:00\.000Z$/);
  });

  it("names the replica whose folder it describes, and this database's identity", async () => {
    const { status } = await build();
    expect(status.getStatus()).toMatchObject({
      catalogue: 'local',
      instance: 'unit-1',
      database: { engine: 'sqlite', name: 'fake.sqlite', id: expect.stringMatching(/^sqlite-/) },
    });
  });

  it('survives a restart: the journal is read back, with the gauges a dashboard shows', async () => {
    const first = await build();
    units.engine.failDump = true;
    await first.service.createBackup().catch(() => undefined);
    units.engine.failDump = false;
    const { manifest } = await first.service.createBackup();
    const { status, registry } = await build();
    expect(status.getStatus()).toMatchObject({ lastSuccess: { name: manifest.name }, lastFailure: { stage: 'dump' }, lastRunOk: true });
    const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
    expect(await gauge('mentorhub_backup_last_size_bytes')).toBe(manifest.sizeBytes);
    expect(await gauge('mentorhub_backup_last_duration_seconds')).toBe(manifest.durationMs / 1000);
    expect(await gauge('mentorhub_backup_last_success_timestamp_seconds')).toBe(new Date(manifest.createdAt).getTime() / 1000);
  });

  it('tells Prometheus whether scheduled backups are on (the backup-age alert only counts then)', async () => {
    const enabled = async (built: UnitBackups) =>
      (await built.registry.getSingleMetric('mentorhub_backup_enabled')!.get()).values[0]?.value;
    expect(await enabled(await build(true))).toBe(1);
    expect(await enabled(await build(false))).toBe(0);
  });

  it("counts a new deployment's first period from when its backups were first tracked, not from each restart", async () => {
    const first = await build();
    expect(first.status.getStatus().stale).toBe(false);
    const saved = JSON.parse(await readFile(await journalFile(), 'utf8')) as { trackedSince: string };
    expect(Date.now() - new Date(saved.trackedSince).getTime()).toBeLessThan(60_000);
    // Started three days ago, never backed up: a restart now is stale at once.
    await writeFile(await journalFile(), JSON.stringify({ ...saved, trackedSince: new Date(Date.now() - 3 * 86_400_000).toISOString() }));
    const { status } = await build();
    expect(status.getStatus()).toMatchObject({ stale: true, lastSuccess: null });
  });

  it('starts from the status file of earlier releases when this database has no journal yet', async () => {
    const at = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const lastSuccess = { at, name: 'mentorhub_backup_20260101_030000', sizeBytes: 1, durationMs: 1 };
    await writeFile(
      join(units.dir, '.mentorhub_backup_status.json'),
      JSON.stringify({ lastSuccess, lastVerifiedAt: at, lastRunOk: true, trackedSince: at }),
    );
    const { status } = await build();
    expect(status.getStatus()).toMatchObject({ lastSuccess, lastVerifiedAt: at, stale: true });
  });
});
