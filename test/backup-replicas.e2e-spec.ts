import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { BackupList } from '../src/backup/catalogue/backup-catalogue.service.js';
import type { BackupStatus } from '../src/backup/catalogue/backup-status.service.js';
import { tempDir } from './support/backup-helpers.js';
import { eventually } from './support/eventually.js';
import { RedisServerProcess } from './support/redis-server.js';
import { startS3Server } from './support/s3-server.js';
import { spawnApi, type SpawnedApi } from './support/spawn-api.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ADMIN = { email: 'admin@replicas.test', password: 'admin-password-of-the-replica-test' };
const SLOT_MS = 10_000;

interface Replica {
  id: string;
  dir: string;
  api: SpawnedApi;
  base: string;
}

/**
 * Three built API processes on one PostgreSQL database, one private Redis and one S3 bucket, each
 * with a backup folder of its own (as pods without a shared volume): the operator's setup.
 */
class Cluster {
  replicas: Replica[] = [];
  private token = '';
  private readonly dirs: { path: string; remove(): Promise<void> }[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly cwd: string,
  ) {}

  async start(count: number): Promise<void> {
    for (let index = 0; index < count; index++) this.dirs.push(await tempDir(`mentorhub-replica-${index}-`));
    this.replicas = await Promise.all(this.dirs.map((dir, index) => this.spawn(`replica-${index + 1}`, dir.path)));
    const login = await fetch(`${this.replicas[0].base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    this.token = ((await login.json()) as { access_token: string }).access_token;
  }

  async restart(index: number): Promise<void> {
    const { id, dir } = this.replicas[index];
    this.replicas[index] = await this.spawn(id, dir);
  }

  call(index: number, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.replicas[index].base}/admin/backups${path}`, { ...init, headers: { authorization: `Bearer ${this.token}` } });
  }

  async json<T>(index: number, path: string): Promise<T> {
    const response = await this.call(index, path);
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.api.stop('SIGKILL')));
    for (const dir of this.dirs) await dir.remove();
  }

  private async spawn(id: string, dir: string): Promise<Replica> {
    const api = spawnApi({ ...this.env, INSTANCE_ID: id, BACKUP_DIR: dir }, this.cwd, 90_000);
    return { id, dir, api, base: `http://127.0.0.1:${await api.listening}/api/v1` };
  }
}

async function sharedServices() {
  const database = await createTestDatabase('postgres');
  const redis = await RedisServerProcess.create();
  await redis.start();
  const s3 = await startS3Server();
  const cwd = await tempDir('mentorhub-replicas-cwd-');
  const env = (extra: Record<string, string>) => ({
    PORT: '0',
    NODE_ENV: 'test',
    LOG_TO_FILE: 'false',
    JWT_SECRET: 'jwt-secret-of-the-replica-test-4b8e1f',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    ...s3.env,
    ...extra,
  });
  const close = async () => {
    await s3.stop();
    await redis.destroy();
    await database.drop();
    await cwd.remove();
  };
  return { database, redis, s3, cwd, env, close };
}

/** Status fields that depend on the moment of the request, not on the catalogue. */
function withoutClock(status: BackupStatus): Omit<BackupStatus, 'ageMs'> {
  const { ageMs: _ageMs, ...rest } = status;
  return rest;
}

describe('backups across 3 replicas (built API, one PostgreSQL, private Redis, one S3 bucket)', () => {
  describe(`on a schedule of one slot every ${SLOT_MS / 1000} s`, () => {
    let services: Awaited<ReturnType<typeof sharedServices>>;
    let cluster: Cluster;
    let startedAt: number;

    beforeAll(async () => {
      services = await sharedServices();
      cluster = new Cluster(
        services.env({ BACKUP_CRON: '*/10 * * * * *', BACKUP_VERIFY_AFTER_BACKUP: 'false', BACKUP_PRUNE_AFTER_BACKUP: 'false' }),
        services.cwd.path,
      );
      await cluster.start(3);
      startedAt = Date.now();
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
      await services?.close();
    }, 60_000);

    /** Waits until a scheduled run has just finished (a quiet moment before the next slot), and returns the status then. */
    async function afterScheduledRun(index: number): Promise<BackupStatus> {
      let status!: BackupStatus;
      await eventually(async () => {
        status = await cluster.json<BackupStatus>(index, '/status');
        const [latest] = status.recentRuns;
        expect(status.activeRun).toBeNull();
        expect(latest).toMatchObject({ trigger: 'scheduled', outcome: 'succeeded' });
        expect(Date.now() - Date.parse(latest.finishedAt!)).toBeLessThan(2_000);
      }, 3 * SLOT_MS);
      return status;
    }

    it('runs every slot exactly once, on one replica or another', async () => {
      await delay(5 * SLOT_MS);
      await afterScheduledRun(0);
      const endedAt = Date.now();
      const { items } = await cluster.json<BackupList>(0, '');
      const slots = items.filter((item) => item.manifest.trigger === 'scheduled').map((item) => item.manifest.slot!);
      expect(new Set(slots).size).toBe(slots.length);
      // Every slot from the first after all replicas were up to the last one that had time to finish.
      const first = Math.ceil(startedAt / SLOT_MS) * SLOT_MS;
      const expected: string[] = [];
      for (let slot = first; slot <= endedAt - SLOT_MS / 2; slot += SLOT_MS) expected.push(new Date(slot).toISOString());
      expect(expected.length).toBeGreaterThanOrEqual(4);
      expect(slots).toEqual(expect.arrayContaining(expected));
      const { recentRuns } = await cluster.json<BackupStatus>(1, '/status');
      const ranBy = recentRuns.filter((run) => run.trigger === 'scheduled').map((run) => run.instance);
      expect(ranBy.every((instance) => ['replica-1', 'replica-2', 'replica-3'].includes(instance))).toBe(true);
    }, 150_000);

    it('takes a manual backup right after a scheduled one', async () => {
      await afterScheduledRun(1);
      const response = await cluster.call(2, '', { method: 'POST' });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ s3: 'uploaded', manifest: { trigger: 'manual' } });
    }, 60_000);

    it('answers list and status the same on every replica', async () => {
      await afterScheduledRun(0);
      const lists = await Promise.all([0, 1, 2].map((index) => cluster.json<BackupList>(index, '')));
      const statuses = await Promise.all([0, 1, 2].map((index) => cluster.json<BackupStatus>(index, '/status')));
      expect(lists[0]).toMatchObject({ catalogue: 's3', database: { engine: 'postgres' } });
      expect(lists[1]).toEqual(lists[0]);
      expect(lists[2]).toEqual(lists[0]);
      expect(withoutClock(statuses[1])).toEqual(withoutClock(statuses[0]));
      expect(withoutClock(statuses[2])).toEqual(withoutClock(statuses[0]));
      expect(statuses[0]).not.toHaveProperty('instance');
    }, 60_000);
  });

  describe('a replica killed in the middle of a backup', () => {
    let services: Awaited<ReturnType<typeof sharedServices>>;
    let cluster: Cluster;

    beforeAll(async () => {
      services = await sharedServices();
      await fill(services.database);
      cluster = new Cluster(services.env({ BACKUP_ENABLED: 'false', DEMO_DATA: 'false' }), services.cwd.path);
      await cluster.start(3);
    }, 180_000);
    afterAll(async () => {
      await cluster?.stop();
      await services?.close();
    }, 60_000);

    it('leaves no partial file once it starts again, and every replica shows the run as interrupted', async () => {
      const partials = async () => (await readdir(cluster.replicas[0].dir)).filter((file) => file.endsWith('.partial'));
      const backup = cluster.call(0, '', { method: 'POST' }).catch(() => null);
      // Killed once the dump is streaming into its temporary file.
      await eventually(async () => {
        const [partial] = await partials();
        expect(partial).toBeDefined();
        expect((await stat(join(cluster.replicas[0].dir, partial))).size).toBeGreaterThan(0);
      }, 30_000);
      await cluster.replicas[0].api.stop('SIGKILL');
      await backup;
      expect(await partials()).toHaveLength(1);
      expect((await cluster.json<BackupStatus>(1, '/status')).activeRun).toMatchObject({ operation: 'create', instance: 'replica-1' });

      await cluster.restart(0);
      expect(await partials()).toEqual([]);
      for (const index of [0, 1, 2]) {
        const status = await cluster.json<BackupStatus>(index, '/status');
        expect(status).toMatchObject({ lastRunOk: false, activeRun: null, lastFailure: { stage: 'interrupted', instance: 'replica-1' } });
        expect(status.recentRuns[0]).toMatchObject({ operation: 'create', instance: 'replica-1', outcome: 'interrupted' });
      }
      const metrics = await (await fetch(cluster.replicas[0].base.replace('/api/v1', '/metrics'))).text();
      expect(metrics).toMatch(/^mentorhub_backup_failures_total\{stage="interrupted"\} 1$/m);
      // The lock is free again: the next backup runs.
      expect((await cluster.call(1, '', { method: 'POST' })).status).toBe(201);
    }, 180_000);
  });
});

/** About 75 MB of incompressible-ish text, so that a dump takes seconds. */
async function fill(database: TestDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query('CREATE TABLE filler (id serial PRIMARY KEY, data text)');
    await client.query(
      `INSERT INTO filler (data) SELECT string_agg(md5(random()::text || g::text || i::text), '')
         FROM generate_series(1, 60000) g, generate_series(1, 32) i GROUP BY g`,
    );
  } finally {
    await client.end();
  }
}
