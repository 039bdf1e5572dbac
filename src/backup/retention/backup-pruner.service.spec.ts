import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBackups, FakeEngine, fakeBackup, tempFolder, visibleFiles, type UnitBackups } from '../../../test/support/backup-unit.js';

describe('BackupPruner (real module, fake engine)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let backups: UnitBackups | undefined;

  beforeEach(async () => {
    dir = await tempFolder();
  });
  afterEach(async () => {
    await backups?.close();
    await dir.remove();
  });

  it('deletes old backups and their manifests, keeps the newest verified ones and never touches foreign files', async () => {
    backups = await buildBackups(dir.path, new FakeEngine(), { keepLast: 2 });
    const stems = {
      d1: await fakeBackup(dir.path, 1),
      d5: await fakeBackup(dir.path, 5, { verified: false }),
      d9: await fakeBackup(dir.path, 9, { verified: true }),
      d12: await fakeBackup(dir.path, 12),
      d20: await fakeBackup(dir.path, 20, { verified: true }),
      d40: await fakeBackup(dir.path, 40, { verified: true }),
      d400: await fakeBackup(dir.path, 400, { verified: true }),
    };
    const foreign = ['notes.txt', `${stems.d400}.sqlite.gz.bak`, 'mentorhub_backup_latest.sqlite.gz'];
    for (const file of foreign) await writeFile(join(dir.path, file), 'keep');
    const result = await backups.service.prune();
    expect(result.deleted.sort()).toEqual([stems.d12, stems.d40, stems.d400].sort());
    const left = await readdir(dir.path);
    for (const file of foreign) expect(left).toContain(file);
    for (const stem of [stems.d1, stems.d5, stems.d9, stems.d20])
      expect(left).toEqual(expect.arrayContaining([`${stem}.sqlite.gz`, `${stem}.json`]));
    for (const stem of result.deleted)
      expect(left).not.toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${stem}\\.(sqlite\\.gz|json)$`))]));
  });

  it("considers only this database's backups: another database's in the same folder are neither kept nor deleted by it", async () => {
    backups = await buildBackups(dir.path, new FakeEngine(), { keepLast: 1 });
    const other = await fakeBackup(dir.path, 30, { verified: true, databaseId: 'postgres-0123456789abcdef' });
    const legacy = await fakeBackup(dir.path, 31, { databaseId: null });
    const ours = await fakeBackup(dir.path, 29, { verified: true });
    const listed = await backups.service.list();
    expect(listed.items.map((item) => item.name)).toEqual([ours, legacy]);
    const result = await backups.service.prune();
    // The older manifest without a database id is this database's by its engine and name.
    expect(result).toMatchObject({ deleted: [legacy], kept: [ours] });
    expect(await visibleFiles(dir.path)).toEqual(expect.arrayContaining([`${other}.sqlite.gz`, `${other}.json`]));
  });

  it('refuses to prune when the newest backup failed its verification', async () => {
    backups = await buildBackups(dir.path, new FakeEngine());
    await fakeBackup(dir.path, 30, { verified: true });
    await fakeBackup(dir.path, 0, { verified: false });
    await expect(backups.service.prune()).rejects.toMatchObject({ code: 'refused', message: /failed its verification/ });
    expect(await visibleFiles(dir.path)).toHaveLength(4);
  });

  it('refuses to prune after a failed backup run, until a backup succeeds', async () => {
    const engine = new FakeEngine();
    backups = await buildBackups(dir.path, engine);
    await fakeBackup(dir.path, 30, { verified: true });
    engine.failDump = true;
    await expect(backups.service.createBackup()).rejects.toMatchObject({ stage: 'dump' });
    await expect(backups.service.prune()).rejects.toMatchObject({ code: 'refused', message: /newest backup run failed/ });
    engine.failDump = false;
    await backups.service.createBackup();
    await expect(backups.service.prune()).resolves.toMatchObject({ deleted: [] });
  });

  it('refuses a retention below 7 days unless forced', async () => {
    backups = await buildBackups(dir.path, new FakeEngine());
    await expect(backups.service.prune({ retentionDays: 2 })).rejects.toMatchObject({ code: 'refused' });
    await expect(backups.service.prune({ retentionDays: 2, force: true })).resolves.toMatchObject({ retentionDays: 2 });
  });
});
