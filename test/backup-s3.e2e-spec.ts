import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { BackupFileSystem } from '../src/backup/storage/backup.filesystem.js';
import { backupStem } from '../src/backup/catalogue/backup.naming.js';
import { databaseIdentity } from '../src/backup/catalogue/database-identity.js';
import { BackupService } from '../src/backup/backup.service.js';
import { BackupStatusService } from '../src/backup/catalogue/backup-status.service.js';
import { snapshotTables, tempDir } from './support/backup-helpers.js';
import { startS3Server, type TestS3Server } from './support/s3-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const DAY = 24 * 3600 * 1000;

describe('backups to S3 (s3rver on 127.0.0.1)', () => {
  let s3: TestS3Server;
  let dir: { path: string; remove(): Promise<void> };
  let t: TestApp;
  let backups: BackupService;
  let dataSource: DataSource;

  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await tempDir('mentorhub-backups-');
    t = await createTestApp({
      engine: 'sqlite',
      env: {
        ...s3.env,
        BACKUP_DIR: dir.path,
        BACKUP_ENABLED: 'false',
        BACKUP_KEEP_LAST: '2',
        BACKUP_S3_RETRIES: '1',
        BACKUP_S3_RETRY_DELAY_MS: '10',
      },
    });
    backups = t.app.get(BackupService);
    dataSource = t.app.get(DataSource);
    // About 10 MB that gzip cannot shrink: the upload takes two parts.
    await dataSource.query('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)');
    await dataSource.query(
      'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20) INSERT INTO blobs (data) SELECT randomblob(524288) FROM n',
    );
  });
  afterAll(async () => {
    await t.close();
    await s3.stop();
    await dir.remove();
  });

  /** The app tables plus a hash of the blobs (serializing 10 MB of bytes as JSON would be slow). */
  const snapshot = async () => {
    const hash = createHash('sha256');
    for (const row of await dataSource.query<{ id: number; data: Buffer }[]>('SELECT id, data FROM blobs ORDER BY id')) {
      hash.update(String(row.id)).update(row.data);
    }
    return { tables: await snapshotTables(dataSource, ['mentors', 'reviews']), blobs: hash.digest('hex') };
  };

  const keys = async () =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'backups/' }))).Contents ?? []).map((o) => o.Key).sort();
  const prefix = () => `backups/${databaseIdentity({ engine: 'sqlite', path: t.database.location }).id}/`;

  it('uploads a multi-megabyte backup whose bytes come back identical', async () => {
    const result = await backups.createBackup();
    expect(result.s3).toBe('uploaded');
    const { manifest } = result;
    expect(manifest.sizeBytes).toBeGreaterThan(9 * 1024 * 1024);
    expect(manifest.s3).toMatchObject({ key: `${prefix()}${manifest.file}`, sizeBytes: manifest.sizeBytes, checkedBy: 'md5' });

    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix()}${manifest.file}` }));
    const hash = createHash('sha256');
    for await (const chunk of object.Body as Readable) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(manifest.sha256);
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix()}${manifest.file}` }));
    expect(head.Metadata?.sha256).toBe(manifest.sha256);
    expect(await keys()).toEqual(
      expect.arrayContaining([`${prefix()}${manifest.file}`, `${prefix()}${manifest.name}.json`, `${prefix()}journal.json`]),
    );
  });

  it('lists a backup that is only in S3 and restores it from there', async () => {
    const before = await snapshot();
    const { manifest } = await backups.createBackup();
    await rm(join(dir.path, manifest.file));
    await rm(join(dir.path, `${manifest.name}.json`));

    const listing = await backups.list();
    expect(listing).toMatchObject({ catalogue: 's3', database: { engine: 'sqlite' } });
    expect(listing).not.toHaveProperty('instance');
    const listed = listing.items.find((item) => item.name === manifest.name);
    expect(listed).toMatchObject({ s3Key: `${prefix()}${manifest.file}`, file: manifest.file, manifest: { sha256: manifest.sha256 } });

    await dataSource.query(`UPDATE mentors SET name = 'changed after the backup'`);
    await dataSource.query('DELETE FROM blobs WHERE id > 10');
    await backups.restoreBackup(`backups/${manifest.file}`);
    expect(await snapshot()).toEqual(before);
    expect(await readdir(dir.path)).toEqual(expect.arrayContaining([manifest.file, `${manifest.name}.json`]));
  });

  it('prunes old backups locally and in S3, keeping the newest verified ones and foreign objects', async () => {
    const now = Date.now();
    const old = (days: number) => backupStem(new Date(now - days * DAY));
    const fake = async (stem: string, verified: boolean, layout: 'prefix' | 'legacy' = 'prefix') => {
      const file = `${stem}.sqlite.gz`;
      const id = databaseIdentity({ engine: 'sqlite', path: t.database.location }).id;
      const manifest = {
        manifestVersion: 1,
        name: stem,
        file,
        engine: 'sqlite',
        format: 'sqlite-gzip',
        sizeBytes: 4,
        sha256: '0'.repeat(64),
        createdAt: new Date(now).toISOString(),
        durationMs: 1,
        trigger: 'scheduled',
        database: 'mentorhub.sqlite',
        ...(layout === 'prefix' ? { databaseId: id } : {}),
        serverVersion: 'x',
        toolVersion: 'x',
        appVersion: 'x',
        latestMigration: null,
        ...(verified ? { verification: { ok: true, verifiedAt: new Date(now).toISOString(), durationMs: 1 } } : {}),
      };
      for (const [name, body] of [
        [file, 'fake'],
        [`${stem}.json`, JSON.stringify(manifest)],
      ]) {
        await writeFile(join(dir.path, name), body);
        await s3.client.send(
          new PutObjectCommand({ Bucket: s3.bucket, Key: `${layout === 'prefix' ? prefix() : 'backups/'}${name}`, Body: body }),
        );
      }
    };
    await fake(old(30), true, 'legacy');
    await fake(old(20), true);
    await fake(old(10), false);
    await fake(old(8), true);
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'backups/notes.txt', Body: 'keep me' }));
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `backups/${old(40)}.dump.bak`, Body: 'keep me' }));
    await writeFile(join(dir.path, 'operator-notes.txt'), 'keep me');

    const result = await backups.prune();
    expect(result.deleted.sort()).toEqual([old(30), old(10)].sort());
    const remaining = await keys();
    for (const stem of [old(30), old(10)]) expect(remaining.some((key) => key?.includes(stem))).toBe(false);
    expect(remaining).toEqual(
      expect.arrayContaining([
        `${prefix()}${old(8)}.sqlite.gz`,
        `${prefix()}${old(20)}.json`,
        'backups/notes.txt',
        `backups/${old(40)}.dump.bak`,
      ]),
    );
    const local = await readdir(dir.path);
    expect(local).toEqual(expect.arrayContaining(['operator-notes.txt', `${old(8)}.sqlite.gz`, `${old(20)}.sqlite.gz`]));
    expect(local.some((file) => file.startsWith(old(30)) || file.startsWith(old(10)))).toBe(false);
  });

  it("counts another replica's verified backup in S3 for this replica's freshness, and lists the same", async () => {
    const { manifest } = await backups.createBackup();
    await backups.verifyBackup(manifest.name);
    const otherDir = await tempDir('mentorhub-replica-');
    const replica = await createTestApp({
      engine: 'sqlite',
      database: t.database,
      env: { ...s3.env, BACKUP_DIR: otherDir.path, BACKUP_ENABLED: 'true', DEMO_DATA: 'false' },
    });
    try {
      const status = replica.app.get(BackupStatusService);
      expect(status.getStatus()).toMatchObject({ lastVerifiedAt: manifest.createdAt, stale: false, catalogue: 's3' });
      expect(await replica.app.get(BackupService).list()).toEqual(await backups.list());
    } finally {
      await replica.close();
      await otherDir.remove();
    }
  });

  it('keeps the local backup and records the failure when the S3 server stops mid-upload', async () => {
    let stopping: Promise<void> | undefined;
    const result = await backups.createBackup({
      onProgress: (progress) => {
        if (progress.stage === 'upload' && !stopping) stopping = s3.stop();
      },
    });
    await stopping;
    expect(stopping).toBeDefined();
    expect(result.s3).toBe('failed');
    expect(result.s3Error).toMatch(/S3 upload failed/);
    const digest = await new BackupFileSystem().digest(join(dir.path, result.manifest.file));
    expect(digest).toEqual({ sha256: result.manifest.sha256, sizeBytes: result.manifest.sizeBytes });
    expect(t.app.get(BackupStatusService).getStatus()).toMatchObject({
      lastSuccess: { name: result.manifest.name },
      lastFailure: { stage: 's3-upload', name: result.manifest.name },
    });
    // The local backup still restores.
    await expect(backups.verifyBackup(result.manifest.name)).resolves.toMatchObject({ verification: { ok: true } });
  });
});
