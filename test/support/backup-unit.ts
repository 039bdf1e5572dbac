import { Test, type TestingModule } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { backupConfig, type BackupConfig } from '../../src/backup/config/backup.config.js';
import { S3_BACKUP_STORE } from '../../src/backup/backup.constants.js';
import { BackupModule } from '../../src/backup/backup.module.js';
import { BackupService } from '../../src/backup/backup.service.js';
import { BackupStatusService } from '../../src/backup/catalogue/backup-status.service.js';
import { backupStem } from '../../src/backup/catalogue/backup.naming.js';
import { databaseIdentity } from '../../src/backup/catalogue/database-identity.js';
import { RunJournal } from '../../src/backup/catalogue/run-journal.service.js';
import {
  BACKUP_ENGINE,
  type BackupEngine,
  type DatabaseDescription,
  type RestoreSession,
  type TrialRestoreResult,
} from '../../src/backup/engines/backup.engine.js';
import { BACKUP_LOCK, type BackupLock } from '../../src/backup/lock/backup.lock.js';
import type { FileDigest } from '../../src/backup/storage/backup.filesystem.js';

const DAY = 24 * 3600 * 1000;

/**
 * Fakes and a builder for the backup module's unit specs: the real module (catalogue, journal,
 * lock file, status, runner) in a temporary folder, with a fake engine and an in-memory S3.
 */

/** An engine whose dump writes fixed bytes, or fails after writing some. */
export class FakeEngine implements BackupEngine {
  readonly engine = 'sqlite' as const;
  readonly format = 'sqlite-gzip' as const;
  failDump = false;
  dumps = 0;
  restored: string[] = [];
  /** When set, dumps wait until it resolves (a backup that is still running). */
  gate: Promise<void> | null = null;

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

/** An S3 store in memory that fails a number of uploads first. */
export function fakeS3(failures: number) {
  const store = {
    uploads: 0,
    texts: new Map<string, string>(),
    bucket: 'fake',
    prefix: 'backups/db/',
    keyOf: (file: string) => `backups/db/${file}`,
    legacyKeyOf: (file: string) => `backups/${file}`,
    async upload(_path: string, file: string) {
      store.uploads++;
      if (store.uploads <= failures) throw new Error('connection refused');
      return { key: `backups/db/${file}`, uploadedAt: new Date().toISOString(), sizeBytes: 1, checkedBy: 'md5' as const };
    },
    async putText(key: string, text: string) {
      store.texts.set(key, text);
    },
    async getText(key: string) {
      return store.texts.get(key);
    },
    async list() {
      return [];
    },
    async otherPrefixes() {
      return [];
    },
    destroy: () => undefined,
  };
  return store;
}

export const baseConfig: BackupConfig = {
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
  s3: undefined,
};

export interface UnitBackups {
  module: TestingModule;
  service: BackupService;
  status: BackupStatusService;
  journal: RunJournal;
  lock: BackupLock;
  registry: Registry;
  close(): Promise<void>;
}

/** The database the fakes pretend to back up (its identity decides which manifests are "ours"). */
export function fakeDatabasePath(dir: string): string {
  return join(dir, 'fake.sqlite');
}

export async function buildBackups(
  dir: string,
  engine: FakeEngine,
  config: Partial<BackupConfig> = {},
  s3: ReturnType<typeof fakeS3> | null = null,
  instanceId = 'unit-1',
): Promise<UnitBackups> {
  const registry = new Registry();
  const module = await Test.createTestingModule({
    imports: [
      BackupModule.forRoot({
        database: { engine: 'sqlite', path: fakeDatabasePath(dir) },
        instanceId,
        prometheusRegistry: registry,
        endpoints: false,
        schedule: false,
      }),
    ],
  })
    .overrideProvider(backupConfig.KEY)
    .useValue({ ...baseConfig, dir, ...config })
    .overrideProvider(BACKUP_ENGINE)
    .useValue(engine)
    .overrideProvider(S3_BACKUP_STORE)
    .useValue(s3)
    .compile();
  await module.init();
  return {
    module,
    service: module.get(BackupService),
    status: module.get(BackupStatusService),
    journal: module.get(RunJournal),
    lock: module.get<BackupLock>(BACKUP_LOCK),
    registry,
    close: () => module.close(),
  };
}

export async function tempFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'mentorhub-backup-unit-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Backup files and manifests in the folder (no hidden files: journal, lock, temporaries). */
export async function visibleFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((file) => !file.startsWith('.') && file !== 'fake.sqlite').sort();
}

/** A backup written `ageDays` ago with its manifest, of the fake database unless `databaseId` says otherwise. */
export async function fakeBackup(dir: string, ageDays: number, options: { verified?: boolean; databaseId?: string | null } = {}) {
  const time = new Date(Date.now() - ageDays * DAY);
  const stem = backupStem(time);
  await writeFile(join(dir, `${stem}.sqlite.gz`), 'x');
  const databaseId =
    options.databaseId === undefined ? databaseIdentity({ engine: 'sqlite', path: fakeDatabasePath(dir) }).id : options.databaseId;
  const manifest = {
    manifestVersion: 2,
    name: stem,
    file: `${stem}.sqlite.gz`,
    engine: 'sqlite',
    format: 'sqlite-gzip',
    sizeBytes: 1,
    sha256: 'a'.repeat(64),
    createdAt: time.toISOString(),
    durationMs: 1,
    database: 'fake.sqlite',
    ...(databaseId === null ? {} : { databaseId }),
    ...(options.verified === undefined ? {} : { verification: { ok: options.verified, verifiedAt: time.toISOString(), durationMs: 1 } }),
  };
  await writeFile(join(dir, `${stem}.json`), JSON.stringify(manifest));
  return stem;
}

/**
 * For a describe block: a fresh folder and fake engine before each test, and a builder whose
 * modules, unless a test closed them itself, are closed (and the folder removed) after it.
 */
export function unitBackupsPerTest() {
  const open: UnitBackups[] = [];
  let folder: { path: string; remove(): Promise<void> } | undefined;
  const units = {
    dir: '',
    engine: new FakeEngine(),
    build: async (...rest: Parameters<typeof buildBackups> extends [string, FakeEngine, ...infer Rest] ? Rest : never) => {
      const built = await buildBackups(units.dir, units.engine, ...rest);
      open.push(built);
      const close = built.close;
      built.close = () => {
        open.splice(open.indexOf(built), 1);
        return close();
      };
      return built;
    },
  };
  beforeEach(async () => {
    folder = await tempFolder();
    units.dir = folder.path;
    units.engine = new FakeEngine();
  });
  afterEach(async () => {
    for (const built of open.splice(0)) await built.close();
    await folder?.remove();
  });
  return units;
}
