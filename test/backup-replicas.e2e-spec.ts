import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { BackupList } from '../src/backup/catalogue/backup-catalogue.service.js';
import type { BackupStatus } from '../src/backup/catalogue/backup-status.service.js';
import { tempDir } from './support/backup-helpers.js';
import { eventually } from './support/eventually.js';
import { startS3Server } from './support/s3-server.js';
import { ApiCluster } from './support/api-cluster.js';
import type { TestDatabase } from './support/test-database.js';

const SLOT_MS = 5_000;

/**
 * Three built API processes (ApiCluster: one PostgreSQL database, one private Redis) with one S3
 * bucket, each with a backup folder of its own (as pods without a shared volume): the operator's setup.
 */
class BackupCluster {
  private token = '';

  private constructor(
    readonly cluster: ApiCluster,
    readonly dirs: string[],
    private readonly cleanUp: () => Promise<void>,
  ) {}

  static async start(env: Record<string, string>): Promise<BackupCluster> {
    const s3 = await startS3Server();
    const dirs = await Promise.all([0, 1, 2].map((index) => tempDir(`mentorhub-replica-${index}-backups-`)));
    const cleanUp = async () => {
      await s3.stop();
      for (const dir of dirs) await dir.remove();
    };
    try {
      const cluster = await ApiCluster.start({ env: { ...s3.env, ...env }, envFor: (index) => ({ BACKUP_DIR: dirs[index].path }) });
      const backups = new BackupCluster(
        cluster,
        dirs.map((dir) => dir.path),
        async () => {
          await cluster.stop();
          await cleanUp();
        },
      );
      backups.token = await cluster.adminToken();
      return backups;
    } catch (error) {
      await cleanUp();
      throw error;
    }
  }

  call(index: number, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.cluster.replicas[index].base}/admin/backups${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}` },
    });
  }

  async json<T>(index: number, path: string): Promise<T> {
    const response = await this.call(index, path);
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  stop(): Promise<void> {
    return this.cleanUp();
  }
}

/** Status fields that depend on the moment of the request, not on the catalogue. */
function withoutClock(status: BackupStatus): Omit<BackupStatus, 'ageMs'> {
  const { ageMs: _ageMs, ...rest } = status;
  return rest;
}

describe('backups across 3 replicas (built API, one PostgreSQL, private Redis, one S3 bucket)', () => {
  describe(`on a schedule of one slot every ${SLOT_MS / 1000} s`, () => {
    let cluster: BackupCluster;
    let startedAt: number;

    beforeAll(async () => {
      cluster = await BackupCluster.start({
        BACKUP_ENABLED: 'true',
        BACKUP_CRON: `*/${SLOT_MS / 1000} * * * * *`,
        BACKUP_VERIFY_AFTER_BACKUP: 'false',
        BACKUP_PRUNE_AFTER_BACKUP: 'false',
      });
      startedAt = Date.now();
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
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
      expect(ranBy.every((instance) => ['replica-0', 'replica-1', 'replica-2'].includes(instance))).toBe(true);
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
    let cluster: BackupCluster;

    beforeAll(async () => {
      cluster = await BackupCluster.start({});
      await fill(cluster.cluster.database);
    }, 180_000);
    afterAll(async () => {
      await cluster?.stop();
    }, 60_000);

    it('leaves no partial file once it starts again, and every replica shows the run as interrupted', async () => {
      const partials = async () => (await readdir(cluster.dirs[0])).filter((file) => file.endsWith('.partial'));
      const backup = cluster.call(0, '', { method: 'POST' }).catch(() => null);
      // Killed once the dump is streaming into its temporary file.
      await eventually(async () => {
        const [partial] = await partials();
        expect(partial).toBeDefined();
        expect((await stat(join(cluster.dirs[0], partial))).size).toBeGreaterThan(0);
      }, 30_000);
      await cluster.cluster.kill(0);
      await backup;
      expect(await partials()).toHaveLength(1);
      expect((await cluster.json<BackupStatus>(1, '/status')).activeRun).toMatchObject({ operation: 'create', instance: 'replica-0' });

      await cluster.cluster.add(0);
      expect(await partials()).toEqual([]);
      for (const index of [0, 1, 2]) {
        const status = await cluster.json<BackupStatus>(index, '/status');
        expect(status).toMatchObject({ lastRunOk: false, activeRun: null, lastFailure: { stage: 'interrupted', instance: 'replica-0' } });
        expect(status.recentRuns[0]).toMatchObject({ operation: 'create', instance: 'replica-0', outcome: 'interrupted' });
      }
      const metrics = await (await fetch(`http://127.0.0.1:${cluster.cluster.replicas[0].port}/metrics`)).text();
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
