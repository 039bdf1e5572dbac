import type { BackupCatalogue } from '../catalogue/backup-catalogue.service.js';
import type { BackupManifest } from '../catalogue/backup.manifest.js';
import type { BackupStatusService } from '../catalogue/backup-status.service.js';
import type { BackupConfig } from '../config/backup.config.js';
import type { BackupEngine } from '../engines/backup.engine.js';
import type { BackupFileSystem } from '../storage/backup.filesystem.js';
import { BackupCreator } from './backup-creator.service.js';

const STEM = /^mentorhub_backup_\d{8}_\d{6}$/;

/** The creator's collaborators as recorders: every call lands in `calls`, failures are switched on by name. */
function fakes(options: { s3Failures?: number; retries?: number; fail?: string[]; sizeBytes?: number } = {}) {
  const calls: string[] = [];
  const failing = new Set(options.fail ?? []);
  const step = async (kind: string, detail = '') => {
    calls.push(detail ? `${kind} ${detail}` : kind);
    if (failing.has(kind)) throw new Error(`${kind} broke`);
  };
  let uploads = 0;
  const failures: { failure: unknown; runFailed: boolean }[] = [];
  const published: BackupManifest[] = [];
  const progress: unknown[] = [];
  const engine = {
    engine: 'sqlite',
    format: 'sqlite-gzip',
    dump: async (path: string, onBytes: (bytes: number) => void) => {
      await step('dump', path);
      onBytes(7);
      return { sizeBytes: options.sizeBytes ?? 7, sha256: 'f'.repeat(64) };
    },
    describe: async () => ({ database: 'app.sqlite', serverVersion: 'SQLite 3', toolVersion: 'node', latestMigration: 'M9' }),
  } as unknown as BackupEngine;
  const s3 = {
    bucket: 'bucket',
    upload: async (path: string, file: string, sha256: string, onBytes: (bytes: number, total: number) => void) => {
      calls.push(`upload ${path} ${file} ${sha256.slice(0, 4)}`);
      onBytes(3, 7);
      if (++uploads <= (options.s3Failures ?? 0)) throw new Error('connection refused');
      return { key: `backups/${file}`, uploadedAt: 'now', sizeBytes: 7, checkedBy: 'md5' };
    },
  };
  const catalogue = {
    dir: '/b',
    identity: { id: 'sqlite-0123456789abcdef' },
    s3: options.retries === undefined ? null : s3,
    tempPathFor: (file: string) => `/b/.${file}.partial`,
    pathOf: (file: string) => `/b/${file}`,
    reserve: async (time: Date, build: (stem: string) => BackupManifest) => {
      await step('reserve');
      return build('mentorhub_backup_20260101_030000');
    },
    removeLocal: (stem: string) => step('removeLocal', stem),
    publishManifest: async (manifest: BackupManifest) => void published.push(manifest),
  } as unknown as BackupCatalogue;
  const files = {
    ensureDir: (dir: string) => step('ensureDir', dir),
    fsync: (path: string) => step('fsync', path),
    rename: (from: string, to: string) => step('rename', `${from} ${to}`),
    remove: (path: string) => step('remove', path),
  } as unknown as BackupFileSystem;
  const status = {
    recordSuccess: async (manifest: BackupManifest) => void calls.push(`success ${manifest.name}`),
    recordFailure: async (failure: unknown, runFailed: boolean) => void failures.push({ failure, runFailed }),
  } as unknown as BackupStatusService;
  const config = { s3: options.retries === undefined ? undefined : { retries: options.retries, retryDelayMs: 1 } } as BackupConfig;
  const creator = new BackupCreator(config, engine, '1.2.3', files, catalogue, status);
  return { creator, calls, failures, published, progress, onProgress: (event: unknown) => void progress.push(event) };
}

describe('BackupCreator (fakes)', () => {
  it('dumps to a temporary file, flushes it, names it by its manifest, moves it into place and records the success', async () => {
    const { creator, calls, failures, progress, onProgress } = fakes();
    const named: string[] = [];
    const result = await creator.create({
      trigger: 'scheduled',
      slot: '2026-01-01T03:00:00.000Z',
      onProgress,
      onNamed: async (name) => void named.push(name),
    });
    const temp = calls[1].slice('dump '.length);
    expect(temp).toMatch(/^\/b\/\.mentorhub_backup_\d{8}_\d{6}\.sqlite\.gz\.partial$/);
    expect(calls).toEqual([
      'ensureDir /b',
      `dump ${temp}`,
      `fsync ${temp}`,
      'reserve',
      `rename ${temp} /b/mentorhub_backup_20260101_030000.sqlite.gz`,
      'success mentorhub_backup_20260101_030000',
    ]);
    expect(named).toEqual(['mentorhub_backup_20260101_030000']);
    expect(result).toEqual({ manifest: result.manifest, s3: 'disabled' });
    expect(result.manifest).toEqual({
      manifestVersion: expect.any(Number),
      name: 'mentorhub_backup_20260101_030000',
      file: 'mentorhub_backup_20260101_030000.sqlite.gz',
      engine: 'sqlite',
      format: 'sqlite-gzip',
      sizeBytes: 7,
      sha256: 'f'.repeat(64),
      createdAt: expect.any(String),
      durationMs: expect.any(Number),
      trigger: 'scheduled',
      slot: '2026-01-01T03:00:00.000Z',
      database: 'app.sqlite',
      databaseId: 'sqlite-0123456789abcdef',
      serverVersion: 'SQLite 3',
      toolVersion: 'node',
      appVersion: '1.2.3',
      latestMigration: 'M9',
    });
    expect(result.manifest.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.manifest.durationMs).toBeLessThan(60_000);
    expect(Date.now() - Date.parse(result.manifest.createdAt)).toBeLessThan(60_000);
    expect(progress).toEqual([{ stage: 'dump', bytes: 7 }]);
    expect(failures).toEqual([]);
  });

  it('is a manual backup without a slot unless told otherwise', async () => {
    const { manifest } = await fakes().creator.create();
    expect(manifest.trigger).toBe('manual');
    expect(manifest).not.toHaveProperty('slot');
    expect(manifest.name).toMatch(STEM);
  });

  it('removes the temporary file after a failed dump and records the run as failed', async () => {
    const { creator, calls, failures } = fakes({ fail: ['dump'] });
    await expect(creator.create()).rejects.toMatchObject({ name: 'BackupError', code: 'failed', stage: 'dump', message: 'dump broke' });
    expect(calls).toEqual(['ensureDir /b', expect.stringMatching(/^dump /), calls[1].replace('dump', 'remove')]);
    expect(failures).toEqual([{ failure: { stage: 'dump', reason: 'dump broke' }, runFailed: true }]);
  });

  it('refuses an empty dump', async () => {
    const { creator, calls, failures } = fakes({ sizeBytes: 0 });
    await expect(creator.create()).rejects.toMatchObject({ code: 'failed', stage: 'dump', message: 'The dump is empty' });
    expect(calls.filter((call) => call.startsWith('fsync') || call === 'reserve')).toEqual([]);
    expect(failures).toEqual([{ failure: { stage: 'dump', reason: 'The dump is empty' }, runFailed: true }]);
  });

  it('reports a manifest that cannot be written as a manifest failure', async () => {
    const { creator, calls, failures } = fakes({ fail: ['reserve'] });
    await expect(creator.create()).rejects.toMatchObject({
      stage: 'manifest',
      message: 'The manifest could not be written: reserve broke',
    });
    expect(calls.at(-1)).toMatch(/^remove \/b\/\..*\.partial$/);
    expect(failures).toEqual([
      { failure: { stage: 'manifest', reason: 'The manifest could not be written: reserve broke' }, runFailed: true },
    ]);
  });

  it('removes the manifest too when the file cannot be moved into place', async () => {
    const { creator, calls } = fakes({ fail: ['rename'] });
    await expect(creator.create()).rejects.toMatchObject({ stage: 'dump', message: 'rename broke' });
    expect(calls.slice(-2)).toEqual([expect.stringMatching(/^remove /), 'removeLocal mentorhub_backup_20260101_030000']);
  });

  it('uploads to S3 and publishes the manifest with its copy', async () => {
    const { creator, calls, published, progress, onProgress } = fakes({ retries: 2 });
    const result = await creator.create({ onProgress });
    expect(result.s3).toBe('uploaded');
    expect(result.manifest.s3).toEqual({
      key: 'backups/mentorhub_backup_20260101_030000.sqlite.gz',
      uploadedAt: 'now',
      sizeBytes: 7,
      checkedBy: 'md5',
    });
    expect(published).toEqual([result.manifest]);
    expect(calls.at(-1)).toBe('upload /b/mentorhub_backup_20260101_030000.sqlite.gz mentorhub_backup_20260101_030000.sqlite.gz ffff');
    expect(progress).toContainEqual({ stage: 'upload', bytes: 3, total: 7 });
  });

  it('retries a failed upload, and after the last retry keeps the local backup and records an S3 failure', async () => {
    const retried = fakes({ retries: 2, s3Failures: 2 });
    expect((await retried.creator.create()).s3).toBe('uploaded');
    expect(retried.calls.filter((call) => call.startsWith('upload'))).toHaveLength(3);
    const { creator, calls, failures } = fakes({ retries: 2, s3Failures: 3 });
    const result = await creator.create();
    expect(calls.filter((call) => call.startsWith('upload'))).toHaveLength(3);
    expect(result).toEqual({ manifest: result.manifest, s3: 'failed', s3Error: 'S3 upload failed: connection refused' });
    expect(result.manifest).not.toHaveProperty('s3');
    expect(failures).toEqual([
      {
        failure: { stage: 's3-upload', reason: 'S3 upload failed: connection refused', name: 'mentorhub_backup_20260101_030000' },
        runFailed: false,
      },
    ]);
  });
});
