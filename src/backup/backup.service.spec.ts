import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { BackupConfig } from './backup.config.js';
import { BackupMetrics } from './backup.metrics.js';
import type { BackupModuleOptions } from './backup.options.js';
import { BackupService } from './backup.service.js';
import { BackupCatalogue } from './catalogue/backup-catalogue.service.js';
import type { BackupManifest } from './catalogue/backup.manifest.js';
import { backupStem } from './catalogue/backup.naming.js';
import { BackupStatusService } from './catalogue/backup-status.service.js';
import { BackupCreator } from './create/backup-creator.service.js';
import type { BackupEngine, DatabaseDescription, RestoreSession, TrialRestoreResult } from './engines/backup.engine.js';
import { LocalBackupLock } from './lock/local-backup.lock.js';
import { BackupRestorer } from './restore/backup-restorer.service.js';
import { BackupPruner } from './retention/backup-pruner.service.js';
import { BackupFileSystem, type FileDigest } from './storage/backup.filesystem.js';
import type { S3BackupStore } from './storage/s3-backup.store.js';
import { BackupVerifier } from './verify/backup-verifier.service.js';

const DAY = 24 * 3600 * 1000;

/** An engine whose dump writes fixed bytes, or fails after writing some. */
class FakeEngine implements BackupEngine {
  readonly engine = 'sqlite' as const;
  readonly format = 'sqlite-gzip' as const;
  failDump = false;
  dumps = 0;
  restored: string[] = [];
  /** When set, dumps wait until it resolves (a backup that is still running). */
  gate: Promise<void> | null = null;

  constructor(private readonly files: BackupFileSystem) {}

  async describe(): Promise<DatabaseDescription> {
    return { database: 'fake.sqlite', serverVersion: 'SQLite 3', toolVersion: 'fake', latestMigration: 'M1' };
  }

  async dump(destination: string): Promise<FileDigest> {
    this.dumps++;
    if (this.gate) await this.gate;
    const bytes = Buffer.from(`backup number ${this.dumps}`);
    await writeFile(destination, this.failDump ? bytes.subarray(0, 4) : bytes);
    if (this.failDump) throw new Error('disk full');
    return { sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.length };
  }

  async trialRestore(): Promise<TrialRestoreResult> {
    return { integrity: 'ok', rowCounts: { users: 1 } };
  }

  async prepareRestore(file: string): Promise<RestoreSession> {
    return { commit: async () => void this.restored.push(file), end: async () => undefined };
  }
}

/** An S3 store that fails a number of uploads first. */
function fakeS3(failures: number) {
  const store = {
    uploads: 0,
    texts: new Map<string, string>(),
    bucket: 'fake',
    keyOf: (file: string) => `backups/${file}`,
    async upload(_path: string, file: string) {
      store.uploads++;
      if (store.uploads <= failures) throw new Error('connection refused');
      return { key: `backups/${file}`, uploadedAt: new Date().toISOString(), sizeBytes: 1, checkedBy: 'md5' as const };
    },
    async putText(file: string, text: string) {
      store.texts.set(file, text);
    },
    async getText() {
      return undefined;
    },
    async list() {
      return [];
    },
    destroy: () => undefined,
  };
  return store;
}

const baseConfig: BackupConfig = {
  dir: '',
  enabled: true,
  cron: '0 3 * * *',
  retentionDays: 7,
  retentionForce: false,
  keepLast: 2,
  verifyAfterBackup: true,
  pruneAfterBackup: true,
  lock: 'local',
  lockKey: 'k',
  lockTtlMs: 60_000,
  lockSettleMs: 0,
  s3: undefined,
};

describe('BackupService (fakes for the engine and S3)', () => {
  let dir: string;
  let files: BackupFileSystem;
  let engine: FakeEngine;
  let registry: Registry;
  let status: BackupStatusService;
  let lock: LocalBackupLock;

  async function build(config: Partial<BackupConfig> = {}, s3: ReturnType<typeof fakeS3> | null = null) {
    const full = { ...baseConfig, dir, ...config };
    registry = new Registry();
    const options: BackupModuleOptions = { database: { engine: 'sqlite', path: join(dir, 'fake.sqlite') }, prometheusRegistry: registry };
    status = new BackupStatusService(full, files, new BackupMetrics(options), options);
    await status.onModuleInit();
    const catalogue = new BackupCatalogue(full, files, s3 as unknown as S3BackupStore | null);
    const creator = new BackupCreator(full, engine, '9.9.9', files, catalogue, status);
    const verifier = new BackupVerifier(engine, catalogue, status);
    const pruner = new BackupPruner(full, catalogue, status);
    const restorer = new BackupRestorer(engine, catalogue, creator, status);
    return new BackupService(full, engine, lock, catalogue, status, creator, verifier, pruner, restorer);
  }
  const ours = async () => (await readdir(dir)).filter((file) => !file.startsWith('.mentorhub_backup_status')).sort();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mentorhub-backup-unit-'));
    files = new BackupFileSystem();
    engine = new FakeEngine(files);
    registry = new Registry();
    lock = new LocalBackupLock();
  });
  afterEach(async () => {
    await lock.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the backup and its manifest, and nothing else', async () => {
    const service = await build();
    const { manifest, s3 } = await service.createBackup();
    expect(s3).toBe('disabled');
    expect(await ours()).toEqual([manifest.file, `${manifest.name}.json`].sort());
    expect(JSON.parse(await readFile(join(dir, `${manifest.name}.json`), 'utf8'))).toMatchObject({
      appVersion: '9.9.9',
      latestMigration: 'M1',
      trigger: 'manual',
    });
  });

  it('leaves no file after a failed dump, records the failure and counts it', async () => {
    const service = await build();
    engine.failDump = true;
    await expect(service.createBackup()).rejects.toMatchObject({ code: 'failed', stage: 'dump', message: 'disk full' });
    expect(await ours()).toEqual([]);
    expect(status.getStatus()).toMatchObject({ lastRunOk: false, lastFailure: { stage: 'dump', reason: 'disk full' } });
    expect(await registry.getSingleMetricAsString('mentorhub_backup_failures_total')).toContain('stage="dump"} 1');
  });

  it('retries a failed upload with backoff, then keeps the local backup and records an S3 failure', async () => {
    const s3 = fakeS3(10);
    const service = await build(
      { s3: { bucket: 'b', region: 'r', accessKeyId: 'a', secretAccessKey: 's', retries: 2, retryDelayMs: 1 } },
      s3,
    );
    const result = await service.createBackup();
    expect(s3.uploads).toBe(3);
    expect(result).toMatchObject({ s3: 'failed', s3Error: 'S3 upload failed: connection refused' });
    expect(await ours()).toEqual([result.manifest.file, `${result.manifest.name}.json`].sort());
    expect(status.getStatus()).toMatchObject({ lastRunOk: true, lastFailure: { stage: 's3-upload' } });
  });

  it('succeeds on a retry and records the S3 copy in both manifests', async () => {
    const s3 = fakeS3(1);
    const service = await build(
      { s3: { bucket: 'b', region: 'r', accessKeyId: 'a', secretAccessKey: 's', retries: 2, retryDelayMs: 1 } },
      s3,
    );
    const result = await service.createBackup();
    expect(result.s3).toBe('uploaded');
    const local = JSON.parse(await readFile(join(dir, `${result.manifest.name}.json`), 'utf8')) as BackupManifest;
    expect(local.s3).toMatchObject({ key: `backups/${result.manifest.file}`, checkedBy: 'md5' });
    expect(JSON.parse(s3.texts.get(`${result.manifest.name}.json`)!)).toEqual(local);
  });

  it('refuses a second operation while one runs (409 on the API)', async () => {
    const service = await build();
    let open!: () => void;
    engine.gate = new Promise<void>((resolve) => (open = resolve));
    const first = service.createBackup();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(service.createBackup()).rejects.toMatchObject({ code: 'in_progress' });
    await expect(service.verifyBackup(backupStem(new Date()))).rejects.toMatchObject({ code: 'in_progress' });
    open();
    await first;
  });

  it('skips the scheduled run when another instance holds the lock, without throwing', async () => {
    const service = await build();
    const other = await lock.tryAcquire();
    await expect(service.runScheduled()).resolves.toBeUndefined();
    await expect(service.createBackup()).rejects.toMatchObject({ code: 'locked' });
    expect(engine.dumps).toBe(0);
    await other!.release();
  });

  it('never throws from the cron body when the backup fails', async () => {
    const service = await build();
    engine.failDump = true;
    await expect(service.runScheduled()).resolves.toBeUndefined();
    expect(status.getStatus().lastFailure?.stage).toBe('dump');
  });

  it('runs verify and prune after a scheduled backup', async () => {
    const service = await build();
    await service.runScheduled();
    const [manifestFile] = (await ours()).filter((file) => file.endsWith('.json'));
    expect(JSON.parse(await readFile(join(dir, manifestFile), 'utf8')).verification).toMatchObject({ ok: true, rowCounts: { users: 1 } });
    expect(status.getStatus()).toMatchObject({ stale: false, lastRunOk: true });
  });

  describe('prune', () => {
    async function fakeBackup(ageDays: number, verification?: boolean) {
      const stem = backupStem(new Date(Date.now() - ageDays * DAY));
      await writeFile(join(dir, `${stem}.sqlite.gz`), 'x');
      const manifest = {
        manifestVersion: 1,
        name: stem,
        file: `${stem}.sqlite.gz`,
        engine: 'sqlite',
        format: 'sqlite-gzip',
        sizeBytes: 1,
        sha256: 'a'.repeat(64),
        createdAt: new Date(Date.now() - ageDays * DAY).toISOString(),
        durationMs: 1,
      };
      const verified =
        verification === undefined ? {} : { verification: { ok: verification, verifiedAt: manifest.createdAt, durationMs: 1 } };
      await writeFile(join(dir, `${stem}.json`), JSON.stringify({ ...manifest, ...verified }));
      return stem;
    }

    it('deletes old backups and their manifests, keeps the newest verified ones and never touches foreign files', async () => {
      const service = await build({ keepLast: 2 });
      const stems = {
        d1: await fakeBackup(1),
        d5: await fakeBackup(5, false),
        d9: await fakeBackup(9, true),
        d12: await fakeBackup(12),
        d20: await fakeBackup(20, true),
        d40: await fakeBackup(40, true),
        d400: await fakeBackup(400, true),
      };
      const foreign = [
        'notes.txt',
        `${stems.d400}.sqlite.gz.bak`,
        'mentorhub_backup_latest.sqlite.gz',
        `.${stems.d40}.sqlite.gz.0a0b.partial`,
      ];
      for (const file of foreign) await writeFile(join(dir, file), 'keep');
      const result = await service.prune();
      expect(result.deleted.sort()).toEqual([stems.d12, stems.d40, stems.d400].sort());
      const left = await readdir(dir);
      for (const file of foreign) expect(left).toContain(file);
      for (const stem of [stems.d1, stems.d5, stems.d9, stems.d20])
        expect(left).toEqual(expect.arrayContaining([`${stem}.sqlite.gz`, `${stem}.json`]));
      for (const stem of result.deleted) expect(left).not.toEqual(expect.arrayContaining([`${stem}.sqlite.gz`]));
      for (const stem of result.deleted) expect(left).not.toEqual(expect.arrayContaining([`${stem}.json`]));
    });

    it('refuses to prune when the newest backup failed its verification', async () => {
      const service = await build();
      await fakeBackup(30, true);
      await fakeBackup(0, false);
      await expect(service.prune()).rejects.toMatchObject({ code: 'refused', message: /failed its verification/ });
      expect((await ours()).length).toBe(4);
    });

    it('refuses a retention below 7 days unless forced', async () => {
      const service = await build();
      await expect(service.prune({ retentionDays: 2 })).rejects.toMatchObject({ code: 'refused' });
      await expect(service.prune({ retentionDays: 2, force: true })).resolves.toMatchObject({ retentionDays: 2 });
    });
  });

  describe('status', () => {
    it('is stale when the last verified backup is older than the period plus margin (26 h for daily)', async () => {
      const service = await build();
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

    it('survives a restart: the status file and the manifests on disk are read back', async () => {
      const service = await build();
      engine.failDump = true;
      await service.createBackup().catch(() => undefined);
      engine.failDump = false;
      const { manifest } = await service.createBackup();
      await build();
      expect(status.getStatus()).toMatchObject({ lastSuccess: { name: manifest.name }, lastFailure: { stage: 'dump' }, lastRunOk: true });
      // The gauges a dashboard shows come back with it, not only after the next backup.
      const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
      expect(await gauge('mentorhub_backup_last_size_bytes')).toBe(manifest.sizeBytes);
      expect(await gauge('mentorhub_backup_last_duration_seconds')).toBe(manifest.durationMs / 1000);
      expect(await gauge('mentorhub_backup_last_success_timestamp_seconds')).toBe(new Date(manifest.createdAt).getTime() / 1000);
    });

    it('tells Prometheus whether scheduled backups are on (the backup-age alert only counts then)', async () => {
      const enabled = async () => (await registry.getSingleMetric('mentorhub_backup_enabled')!.get()).values[0]?.value;
      await build();
      expect(await enabled()).toBe(1);
      await build({ enabled: false });
      expect(await enabled()).toBe(0);
    });

    it("counts a new deployment's first period from the first start with the folder, not from each restart", async () => {
      await build();
      expect(status.getStatus().stale).toBe(false);
      const statusFile = join(
        dir,
        (await readdir(dir)).find((file) => file.startsWith('.mentorhub_backup_status'))!,
      );
      const saved = JSON.parse(await readFile(statusFile, 'utf8')) as { trackedSince: string };
      expect(Date.now() - new Date(saved.trackedSince).getTime()).toBeLessThan(60_000);
      // Started three days ago, never backed up: a restart now is stale at once.
      await writeFile(statusFile, JSON.stringify({ ...saved, trackedSince: new Date(Date.now() - 3 * 86_400_000).toISOString() }));
      await build();
      expect(status.getStatus()).toMatchObject({ stale: true, lastSuccess: null });
    });
  });
});
