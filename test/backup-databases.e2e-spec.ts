import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { BackupService } from '../src/backup/backup.service.js';
import { backupStem } from '../src/backup/catalogue/backup.naming.js';
import { databaseIdentity } from '../src/backup/catalogue/database-identity.js';
import { createBackupCliContext } from '../src/backup/cli/backup.cli.js';
import { runBackupCli, type CliIo } from '../src/backup/cli/backup-cli.commands.js';
import { snapshotTables, tempDir } from './support/backup-helpers.js';
import { startS3Server, type TestS3Server } from './support/s3-server.js';
import { createTestApp, withEnv, type TestApp } from './support/test-app.js';

const DAY = 24 * 3600 * 1000;

/** Two PostgreSQL databases backed up into one folder and one bucket, as two deployments sharing storage would be. */
describe('backups of two databases sharing a folder and a bucket', () => {
  let s3: TestS3Server;
  let dir: { path: string; remove(): Promise<void> };
  let apps: TestApp[] = [];
  const env = () => ({ ...s3.env, BACKUP_DIR: dir.path, BACKUP_ENABLED: 'false', BACKUP_KEEP_LAST: '1' });
  const service = (index: number) => apps[index].app.get(BackupService);
  const idOf = (index: number) => databaseIdentity({ engine: 'postgres', url: apps[index].database.url }).id;

  /** An old verified backup of database `index`, on disk and in its S3 prefix, past retention. */
  async function oldBackup(index: number, ageDays: number): Promise<string> {
    const stem = backupStem(new Date(Date.now() - ageDays * DAY - index * 1000));
    const manifest = {
      manifestVersion: 2,
      name: stem,
      file: `${stem}.dump`,
      engine: 'postgres',
      format: 'pg-custom',
      sizeBytes: 4,
      sha256: '0'.repeat(64),
      createdAt: new Date(Date.now() - ageDays * DAY).toISOString(),
      durationMs: 1,
      database: apps[index].database.location,
      databaseId: idOf(index),
      verification: { ok: true, verifiedAt: new Date().toISOString(), durationMs: 1 },
    };
    for (const [name, body] of [
      [`${stem}.dump`, 'fake'],
      [`${stem}.json`, JSON.stringify(manifest)],
    ]) {
      await writeFile(join(dir.path, name), body);
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `backups/${idOf(index)}/${name}`, Body: body }));
    }
    return stem;
  }

  const keys = async () =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'backups/' }))).Contents ?? []).map((o) => o.Key!);

  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await tempDir('mentorhub-shared-backups-');
    apps = [await createTestApp({ engine: 'postgres', env: env() })];
    apps.push(await createTestApp({ engine: 'postgres', env: env() }));
  });
  afterAll(async () => {
    for (const t of apps) await t.close();
    await s3.stop();
    await dir.remove();
  });

  it('lists, prunes and restores only its own backups; another database needs an explicit flag', async () => {
    expect(idOf(0)).not.toBe(idOf(1));
    // Both at once: the same second, so the second one to take a name moves to the next.
    const [a, b] = await Promise.all([service(0).createBackup(), service(1).createBackup()]);
    expect(a.manifest.name).not.toBe(b.manifest.name);
    expect(a.manifest).toMatchObject({ databaseId: idOf(0), s3: { key: `backups/${idOf(0)}/${a.manifest.file}` } });
    expect(b.manifest).toMatchObject({ databaseId: idOf(1), s3: { key: `backups/${idOf(1)}/${b.manifest.file}` } });
    const oldA = await oldBackup(0, 30);
    const oldB = await oldBackup(1, 30);

    expect((await service(0).list()).items.map((item) => item.name)).toEqual([a.manifest.name, oldA]);
    expect((await service(1).list()).items.map((item) => item.name)).toEqual([b.manifest.name, oldB]);
    expect((await service(0).readStatus()).lastSuccess).toMatchObject({ name: a.manifest.name });
    expect((await service(1).readStatus()).lastSuccess).toMatchObject({ name: b.manifest.name });

    // Verified, so the old ones are no longer the newest verified backups that retention keeps.
    await service(0).verifyBackup(a.manifest.name);
    await service(1).verifyBackup(b.manifest.name);
    await expect(service(0).prune()).resolves.toMatchObject({ deleted: [oldA] });
    expect(await readdir(dir.path)).toEqual(expect.arrayContaining([`${oldB}.dump`, `${oldB}.json`]));
    expect(await keys()).toEqual(expect.arrayContaining([`backups/${idOf(1)}/${oldB}.dump`]));
    expect((await keys()).some((key) => key.includes(oldA))).toBe(false);
    await expect(service(1).prune()).resolves.toMatchObject({ deleted: [oldB] });

    const before = await snapshotTables(apps[0].app.get(DataSource));
    await expect(service(0).restoreBackup(b.manifest.name)).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringMatching(
        new RegExp(`is a backup of another postgres database "${apps[1].database.location}" \\(${idOf(1)}\\).*needs --other-database$`),
      ),
    });
    await expect(service(0).verifyBackup(b.manifest.name)).rejects.toMatchObject({ code: 'refused' });
    expect(await snapshotTables(apps[0].app.get(DataSource))).toEqual(before);
  });

  it('restores another database’s backup with --other-database, and says so', async () => {
    const source = await service(1).createBackup();
    await apps[1].app.get(DataSource).query(`UPDATE mentors SET name = 'only in the second database' WHERE id = 1`);
    const expected = await snapshotTables(apps[1].app.get(DataSource), ['courses', 'reviews']);
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = { out: (line) => stdout.push(line), err: (line) => stderr.push(line), interactive: false, ask: async () => '' };
    const cliEnv = { ...env(), DATABASE_URL: apps[0].database.url, LOG_TO_FILE: 'false', REDIS_URL: '' };
    expect(await withEnv(cliEnv, () => runBackupCli(['restore', source.manifest.name, '--yes'], io, createBackupCliContext))).toBe(1);
    expect(stderr.join('\n')).toMatch(/needs --other-database/);
    expect(
      await withEnv(cliEnv, () => runBackupCli(['restore', source.manifest.name, '--yes', '--other-database'], io, createBackupCliContext)),
    ).toBe(0);
    expect(stderr.join('\n')).toContain(`Restored a backup of another postgres database "${apps[1].database.location}" (${idOf(1)})`);
    expect(await snapshotTables(apps[0].app.get(DataSource), ['courses', 'reviews'])).toEqual(expected);
    // The safety backup taken first is the first database's own.
    expect((await service(0).list()).items[0].manifest).toMatchObject({ trigger: 'pre-restore', databaseId: idOf(0) });
  });
});
