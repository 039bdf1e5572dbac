import { spawnSync } from 'node:child_process';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { BackupFileSystem } from '../src/backup/storage/backup.filesystem.js';
import { BACKUP_LOCK, holderFor, type BackupLock } from '../src/backup/lock/backup.lock.js';
import { BackupService } from '../src/backup/backup.service.js';
import { BackupStatusService } from '../src/backup/catalogue/backup-status.service.js';
import { MetricsSectionsRegistry } from '../src/metrics/metrics-sections.registry.js';
import { PROMETHEUS_REGISTRY } from '../src/metrics/metrics.constants.js';
import type { Registry } from 'prom-client';
import { backupFiles, snapshotTables, tempDir } from './support/backup-helpers.js';
import { createTestApp, withEnv, type TestApp } from './support/test-app.js';
import { adminQuery, ENGINES } from './support/test-database.js';

/** The real filesystem, except that one armed step throws: a failure injected between the steps of a restore. */
class FaultyFileSystem extends BackupFileSystem {
  failure: { method: 'rename' | 'remove' | 'fsync'; path: RegExp } | null = null;

  private trip(method: 'rename' | 'remove' | 'fsync', path: string): void {
    if (this.failure?.method === method && this.failure.path.test(path)) throw new Error(`injected ${method} failure`);
  }

  override async rename(from: string, to: string): Promise<void> {
    this.trip('rename', to);
    return super.rename(from, to);
  }

  override async remove(path: string): Promise<void> {
    this.trip('remove', path);
    return super.remove(path);
  }

  override async fsync(path: string): Promise<void> {
    this.trip('fsync', path);
    return super.fsync(path);
  }
}

describe.each(ENGINES)('backups (%s)', (engine) => {
  let t: TestApp;
  let dir: { path: string; remove(): Promise<void> };
  let backups: BackupService;
  let dataSource: DataSource;
  let adminToken: string;
  const files = new FaultyFileSystem();
  const param = (n: number) => (engine === 'postgres' ? `$${n}` : '?');

  beforeAll(async () => {
    dir = await tempDir('mentorhub-backups-');
    t = await createTestApp({
      engine,
      env: { BACKUP_DIR: dir.path, BACKUP_ENABLED: 'false' },
      overrides: [{ provide: BackupFileSystem, useValue: files }],
    });
    backups = t.app.get(BackupService);
    dataSource = t.app.get(DataSource);
    adminToken = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
    await dir.remove();
  });
  afterEach(() => {
    files.failure = null;
  });

  const auth = () => ({ authorization: `Bearer ${adminToken}` });

  it('backs up and restores every table to identical rows, with a complete manifest', async () => {
    const before = await snapshotTables(dataSource);
    const { manifest } = await backups.createBackup();
    expect(manifest).toMatchObject({
      engine,
      format: engine === 'postgres' ? 'pg-custom' : 'sqlite-gzip',
      file: `${manifest.name}${engine === 'postgres' ? '.dump' : '.sqlite.gz'}`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      appVersion: '0.1.0',
      latestMigration: 'CacheInvalidation1764633600000',
      serverVersion: expect.any(String),
      toolVersion: expect.any(String),
    });
    expect(manifest.name).toMatch(/^mentorhub_backup_\d{8}_\d{6}$/);
    expect(JSON.parse(await readFile(join(dir.path, `${manifest.name}.json`), 'utf8'))).toEqual(manifest);

    await dataSource.query(`UPDATE mentors SET name = 'changed' WHERE id <= 5`);
    await dataSource.query(`DELETE FROM reviews WHERE id <= 100`);
    expect(await snapshotTables(dataSource)).not.toEqual(before);

    const result = await backups.restoreBackup(manifest.name);
    expect(result.restored).toBe(manifest.name);
    expect(await snapshotTables(dataSource)).toEqual(before);
    // The safety backup holds the content the restore replaced.
    expect(await backupFiles(dir.path)).toContain(`${result.safetyBackup}.json`);
  });

  it('verifies a backup by a trial restore and records row counts in its manifest', async () => {
    const { manifest } = await backups.createBackup();
    const verified = await backups.verifyBackup(manifest.file);
    const prefix = engine === 'postgres' ? 'public.' : '';
    const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM reviews');
    expect(verified.verification).toMatchObject({ ok: true, rowCounts: expect.objectContaining({ [`${prefix}reviews`]: Number(n) }) });
    expect(t.app.get(BackupStatusService).getStatus().lastVerifiedAt).toBe(manifest.createdAt);
  });

  it('takes a consistent backup while a writer keeps inserting', async () => {
    const [mentor] = await dataSource.query('SELECT id FROM mentors ORDER BY id LIMIT 1');
    const [author] = await dataSource.query(`SELECT id FROM users WHERE role = 'student' ORDER BY id LIMIT 1`);
    await dataSource.query(
      `UPDATE mentors SET review_count = (SELECT COUNT(*) FROM reviews WHERE mentor_id = ${param(1)}) WHERE id = ${param(2)}`,
      [mentor.id, mentor.id],
    );
    let stop = false;
    let written = 0;
    // Each write is a review plus the mentor's counter in one transaction: a torn snapshot would break the invariant.
    const writer = (async () => {
      while (!stop) {
        await dataSource.transaction(async (manager) => {
          await manager.query(
            `INSERT INTO reviews (mentor_id, author_id, rating, text) VALUES (${param(1)}, ${param(2)}, 5, ${param(3)})`,
            [mentor.id, author.id, `writer-${written}`],
          );
          await manager.query(`UPDATE mentors SET review_count = review_count + 1 WHERE id = ${param(1)}`, [mentor.id]);
        });
        written++;
        // better-sqlite3 answers within microtasks: yield so timers and the backup's worker get their turn.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { manifest } = await backups.createBackup();
    stop = true;
    await writer;
    expect(written).toBeGreaterThan(0);

    await backups.restoreBackup(manifest.name);
    const [counter] = await dataSource.query(`SELECT review_count FROM mentors WHERE id = ${param(1)}`, [mentor.id]);
    const rows: { text: string }[] = await dataSource.query(
      `SELECT text FROM reviews WHERE mentor_id = ${param(1)} AND text LIKE 'writer-%' ORDER BY id`,
      [mentor.id],
    );
    const [{ n }] = await dataSource.query(`SELECT COUNT(*) AS n FROM reviews WHERE mentor_id = ${param(1)}`, [mentor.id]);
    expect(Number(counter.review_count)).toBe(Number(n));
    // The writer's rows form a prefix of what it wrote: nothing after a gap.
    expect(rows.map((row) => row.text)).toEqual(rows.map((_, index) => `writer-${index}`));
    if (engine === 'sqlite') expect(await dataSource.query('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it.each([
    [
      'flipped bytes',
      async (path: string) => {
        const bytes = await readFile(path);
        for (const offset of [Math.floor(bytes.length / 2), bytes.length - 3]) bytes[offset] ^= 0xff;
        await writeFile(path, bytes);
      },
    ],
    ['truncated', async (path: string) => truncate(path, Math.floor((await readFile(path)).length / 2))],
  ])('refuses a corrupted backup (%s) before touching anything', async (_label, corrupt) => {
    const { manifest } = await backups.createBackup();
    await corrupt(join(dir.path, manifest.file));
    await dataSource.query(`UPDATE mentors SET name = 'after the backup' WHERE id = 1`);
    const before = await snapshotTables(dataSource);
    const filesBefore = await backupFiles(dir.path);

    await expect(backups.restoreBackup(manifest.name)).rejects.toMatchObject({ code: 'checksum_mismatch' });
    await expect(backups.verifyBackup(manifest.name)).rejects.toMatchObject({ code: 'checksum_mismatch' });
    expect(await snapshotTables(dataSource)).toEqual(before);
    // Not even a safety backup was taken.
    expect(await backupFiles(dir.path)).toEqual(filesBefore);
  });

  if (engine === 'postgres') {
    it('leaves the database as it was when pg_restore fails midway (one transaction)', async () => {
      // A table whose CHECK passes only in a session that opted in: pg_restore drops and recreates
      // every table, loads data, and fails when it reaches this table's rows.
      await dataSource.query(`CREATE FUNCTION tripwire_allowed() RETURNS boolean LANGUAGE sql AS
        $$ SELECT coalesce(current_setting('mentorhub.tripwire', true), '') = 'on' $$`);
      await dataSource.query('CREATE TABLE zz_tripwire (v integer CHECK (tripwire_allowed()))');
      await dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL mentorhub.tripwire = 'on'`);
        await manager.query('INSERT INTO zz_tripwire VALUES (1)');
      });
      const { manifest } = await backups.createBackup();
      await dataSource.query(`UPDATE mentors SET name = 'after the backup' WHERE id = 2`);
      await dataSource.query('DELETE FROM reviews WHERE id > 900');
      const before = await snapshotTables(dataSource);

      await expect(backups.restoreBackup(manifest.name)).rejects.toMatchObject({ code: 'failed', stage: 'restore' });
      expect(await snapshotTables(dataSource)).toEqual(before);
      expect(await dataSource.query('SELECT v FROM zz_tripwire')).toEqual([{ v: 1 }]);
      expect(t.app.get(BackupStatusService).getStatus().lastFailure).toMatchObject({ stage: 'restore', name: manifest.name });
      await dataSource.query('DROP TABLE zz_tripwire');
      await dataSource.query('DROP FUNCTION tripwire_allowed()');
    });

    it('restores a plain .sql backup with psql in one transaction', async () => {
      const before = await snapshotTables(dataSource);
      const stem = 'mentorhub_backup_20000101_000000';
      const file = join(dir.path, `${stem}.sql`);
      const url = new URL(t.database.url);
      const result = spawnSync('pg_dump', [
        '--format=plain',
        '--clean',
        '--if-exists',
        '--no-owner',
        '--host',
        url.hostname,
        '--port',
        url.port || '5432',
        '--username',
        url.username,
        '--dbname',
        t.database.location,
        '--file',
        file,
      ]);
      expect(result.status).toBe(0);
      const digest = await files.digest(file);
      const manifest = {
        manifestVersion: 1,
        name: stem,
        file: `${stem}.sql`,
        engine: 'postgres',
        format: 'pg-plain',
        createdAt: '2000-01-01T00:00:00.000Z',
        durationMs: 1,
        database: t.database.location,
        ...digest,
      };
      await writeFile(join(dir.path, `${stem}.json`), JSON.stringify(manifest));
      await dataSource.query(`UPDATE mentors SET name = 'after the plain dump' WHERE id = 4`);

      await backups.restoreBackup(stem);
      expect(await snapshotTables(dataSource)).toEqual(before);
    });
  } else {
    it.each([
      ['the atomic swap', { method: 'rename' as const, path: /mentorhub\.sqlite$/ }],
      ['removing the stale WAL', { method: 'remove' as const, path: /mentorhub\.sqlite-wal$/ }],
      ['flushing the new file', { method: 'fsync' as const, path: /mentorhub\.sqlite\.[0-9a-f]+\.partial$/ }],
    ])('leaves the database as it was when the restore fails at %s, and keeps serving', async (_label, failure) => {
      const { manifest } = await backups.createBackup();
      await dataSource.query(`UPDATE mentors SET name = 'after the backup' WHERE id = 3`);
      const before = await snapshotTables(dataSource);
      files.failure = failure;

      await expect(backups.restoreBackup(manifest.name)).rejects.toThrow(/injected/);
      files.failure = null;
      expect(dataSource.isInitialized).toBe(true);
      expect(await snapshotTables(dataSource)).toEqual(before);
      await request(t.http)
        .get('/api/v1/mentors/3')
        .expect(200)
        .expect(({ body }) => expect(body.name).toBe('after the backup'));
    });

    it('refuses to restore while another connection holds the database, writing nothing (not even a safety backup)', async () => {
      const { manifest } = await backups.createBackup();
      const before = await snapshotTables(dataSource);
      const filesBefore = await backupFiles(dir.path);
      const Database = (await import('better-sqlite3')).default;
      const other = new Database(t.database.location);
      other.prepare('SELECT COUNT(*) FROM users').get();
      try {
        await expect(backups.restoreBackup(manifest.name)).rejects.toThrow(/open in another process/);
      } finally {
        other.close();
      }
      expect(await snapshotTables(dataSource)).toEqual(before);
      expect(await backupFiles(dir.path)).toEqual(filesBefore);
    });
  }

  describe('admin REST', () => {
    it('creates, lists, verifies and reports status (admin only)', async () => {
      await request(t.http).get('/api/v1/admin/backups').expect(401);
      await request(t.http)
        .get('/api/v1/admin/backups')
        .set({ authorization: `Bearer ${await t.tokenFor('student')}` })
        .expect(403);
      const created = await request(t.http).post('/api/v1/admin/backups').set(auth()).expect(201);
      const name: string = created.body.manifest.name;
      expect(created.body).toMatchObject({ s3: 'disabled', manifest: { name, engine } });

      const listed = await request(t.http).get('/api/v1/admin/backups').set(auth()).expect(200);
      expect(listed.body).toMatchObject({ catalogue: 'local', instance: expect.any(String), database: { engine } });
      expect(listed.body.items[0]).toMatchObject({ name, s3Key: null, manifest: { sha256: created.body.manifest.sha256 } });

      const verified = await request(t.http).post(`/api/v1/admin/backups/${name}/verify`).set(auth()).expect(200);
      expect(verified.body.verification.ok).toBe(true);

      const status = await request(t.http).get('/api/v1/admin/backups/status').set(auth()).expect(200);
      expect(status.body).toMatchObject({
        lastSuccess: { name },
        lastVerifiedAt: created.body.manifest.createdAt,
        enabled: false,
        nextRunAt: null,
        running: null,
        catalogue: 'local',
        database: { engine, id: created.body.manifest.databaseId },
      });
      expect(status.body.recentRuns.slice(0, 2)).toMatchObject([
        { operation: 'verify', outcome: 'succeeded', backup: name },
        { operation: 'create', trigger: 'manual', outcome: 'succeeded', backup: name },
      ]);
    });

    it('exposes Prometheus series and a backup section for the admin metrics', async () => {
      const { manifest } = await backups.createBackup();
      const registry = t.app.get<Registry>(PROMETHEUS_REGISTRY);
      const text = await registry.metrics();
      const lastSuccess = /^mentorhub_backup_last_success_timestamp_seconds (\S+)$/m.exec(text)?.[1];
      expect(Number(lastSuccess)).toBe(new Date(manifest.createdAt).getTime() / 1000);
      expect(text).toMatch(new RegExp(`^mentorhub_backup_last_size_bytes ${manifest.sizeBytes}$`, 'm'));
      expect(text).toMatch(/^mentorhub_backup_runs_total\{result="success"\} \d+$/m);
      expect(text).toContain('mentorhub_backup_failures_total');
      expect(t.app.get(MetricsSectionsRegistry).snapshot().backup).toMatchObject({ lastSuccess: { name: manifest.name }, running: null });
    });

    it('answers 409 while another instance holds the backup lock', async () => {
      const lock = t.app.get<BackupLock>(BACKUP_LOCK);
      const handle = await lock.tryAcquire(holderFor('another-replica', 'create (manual)'));
      expect(handle).not.toBeNull();
      try {
        const response = await request(t.http).post('/api/v1/admin/backups').set(auth()).expect(409);
        expect(response.body.message).toMatch(/already running: create \(manual\) on instance another-replica since /);
      } finally {
        await handle!.release();
      }
    });

    it.each(['..%2F..%2Fetc%2Fpasswd', '..', 'mentorhub_backup_20240101_030000.dump%2F..', 'mentorhub_backup_2024', '%2Fetc%2Fpasswd'])(
      'rejects the name %s with 400',
      async (name) => {
        await request(t.http).post(`/api/v1/admin/backups/${name}/verify`).set(auth()).expect(400);
      },
    );

    it('answers 404 for a well-formed name that does not exist', async () => {
      await request(t.http).post('/api/v1/admin/backups/mentorhub_backup_19990101_000000/verify').set(auth()).expect(404);
    });
  });
});

describe('pg_dump failure (postgres)', () => {
  it('gives a failed run, no backup file, and a recorded failure', async () => {
    const dir = await tempDir('mentorhub-backups-');
    // The lock file: the advisory lock would need a new connection too, and fail first.
    const t = await createTestApp({ engine: 'postgres', env: { BACKUP_DIR: dir.path, BACKUP_ENABLED: 'false', BACKUP_LOCK: 'local' } });
    // The app keeps its open connections; pg_dump's new connection is refused, as with wrong credentials.
    await adminQuery(`ALTER DATABASE ${t.database.location} WITH ALLOW_CONNECTIONS false`);
    try {
      const backups = t.app.get(BackupService);
      await expect(backups.createBackup()).rejects.toMatchObject({ code: 'failed', stage: 'dump', message: /pg_dump failed/ });
      expect(await backupFiles(dir.path)).toEqual([]);
      expect((await readdir(dir.path)).filter((file) => file.endsWith('.partial'))).toEqual([]);
      const status = t.app.get(BackupStatusService).getStatus();
      expect(status).toMatchObject({ lastRunOk: false, lastSuccess: null, lastFailure: { stage: 'dump' } });
      // Retention never prunes after a failed run.
      await expect(backups.prune()).rejects.toMatchObject({ code: 'refused' });
    } finally {
      await adminQuery(`ALTER DATABASE ${t.database.location} WITH ALLOW_CONNECTIONS true`);
      await t.close();
      await dir.remove();
    }
  });

  it('fails fast, naming both versions, when the server is newer than pg_dump', async () => {
    const dir = await tempDir('mentorhub-backups-');
    const bin = await tempDir('mentorhub-fake-pg-dump-');
    const calls = join(bin.path, 'dumps');
    // A pg_dump of an old major version; a real dump through it would leave a mark.
    await writeFile(
      join(bin.path, 'pg_dump'),
      `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 9.6.24"; exit 0; fi\necho dumped >> ${calls}\nexit 1\n`,
      { mode: 0o755 },
    );
    const t = await createTestApp({ engine: 'postgres', env: { BACKUP_DIR: dir.path, BACKUP_ENABLED: 'false' } });
    try {
      const server = String((await t.app.get(DataSource).query('SHOW server_version'))[0].server_version).split(' ')[0];
      const failure = withEnv({ PATH: `${bin.path}:${process.env.PATH ?? ''}` }, () => t.app.get(BackupService).createBackup());
      await expect(failure).rejects.toMatchObject({
        code: 'failed',
        stage: 'dump',
        message: `pg_dump 9.6 cannot back up PostgreSQL server ${server}: the client tools must be of major version ${server.split('.')[0]} or newer`,
      });
      await expect(readFile(calls, 'utf8')).rejects.toThrow(/ENOENT/);
      expect(await backupFiles(dir.path)).toEqual([]);
    } finally {
      await t.close();
      await dir.remove();
      await bin.remove();
    }
  });
});
