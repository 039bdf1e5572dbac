import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiCluster, type ClusterReplica } from './support/api-cluster.js';
import { eventually } from './support/eventually.js';
import { BUILT_MAIN } from './support/spawn-api.js';

const CLUSTER_START_MS = 120_000;
const DEGRADED_TTL_S = 3;
const BUILT_CLI = join(BUILT_MAIN, '..', 'backup', 'cli', 'backup.cli.js');

interface CacheSection {
  store: 'redis' | 'memory';
  degraded: boolean;
  fallbacks: number;
  pending_invalidations: number;
}

/** Processes spinning on every core, so the replicas' event loops are as late as on a saturated node. */
function busyWorkers(): ChildProcess[] {
  return Array.from({ length: Math.max(2, cpus().length) }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** Runs the built backup CLI against the cluster's database and Redis; resolves to its exit code and output. */
function runCli(cluster: ApiCluster, args: string[], backupDir: string): Promise<{ code: number | null; output: string }> {
  const env = cluster.envOf(0);
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      BACKUP_DIR: backupDir,
      LOG_TO_FILE: 'false',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/**
 * Three real API processes on one PostgreSQL database and a private Redis, driven the way the
 * cache's promises are stated for a cluster: coherence under full CPU without false failovers,
 * bounded staleness while Redis is frozen, invalidations that survive their replica, racing
 * fills, and a restore under the running API.
 */
describe('the cache across 3 replicas', () => {
  let cluster: ApiCluster;
  let token: string;

  const nameOn = async (replica: ClusterReplica, id: number) => {
    const response = await fetch(`${replica.base}/mentors/${id}`);
    if (response.status !== 200) throw new Error(`GET /mentors/${id} on ${replica.instance} answered ${response.status}`);
    return ((await response.json()) as { name: string }).name;
  };
  const rename = async (replica: ClusterReplica, id: number, name: string) => {
    const response = await fetch(`${replica.base}/mentors/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name }),
    });
    if (response.status !== 200) throw new Error(`PATCH /mentors/${id} on ${replica.instance} answered ${response.status}`);
  };
  const cacheOf = async (replica: ClusterReplica): Promise<CacheSection> => {
    const response = await fetch(`${replica.base}/admin/metrics`, { headers: { authorization: `Bearer ${token}` } });
    return ((await response.json()) as { cache: CacheSection }).cache;
  };
  /** Waits until each replica's cache serves from `store` (the switch follows the Redis probe, within seconds). */
  const storesBecome = (replicas: ClusterReplica[], store: CacheSection['store']) =>
    eventually(async () => {
      expect((await Promise.all(replicas.map((replica) => cacheOf(replica)))).map((section) => section.store)).toEqual(
        replicas.map(() => store),
      );
    }, 20_000);
  const live = () => cluster.replicas.filter((replica) => replica.api.child.exitCode === null && replica.api.child.signalCode === null);
  const namesEverywhere = (id: number) => Promise.all(live().map((replica) => nameOn(replica, id)));

  beforeAll(async () => {
    cluster = await ApiCluster.start({ replicas: 3, env: { CACHE_DEGRADED_TTL: String(DEGRADED_TTL_S) } });
    token = await cluster.adminToken();
  }, CLUSTER_START_MS);
  afterAll(() => cluster?.stop(), 30_000);

  it('serves every write on the next read of every replica with all cores busy, and never falls back while Redis answers', async () => {
    const id = 11;
    await namesEverywhere(id);
    const fallbacksBefore = await Promise.all(cluster.replicas.map((replica) => cacheOf(replica)));
    const workers = busyWorkers();
    const stale: string[] = [];
    try {
      for (let trial = 0; trial < 120; trial++) {
        const writer = cluster.replicas[trial % 3];
        const name = `Busy trial ${trial}`;
        await rename(writer, id, name);
        const seen = await namesEverywhere(id);
        seen.forEach((value, index) => value !== name && stale.push(`trial ${trial}: replica-${index} served "${value}"`));
      }
    } finally {
      for (const worker of workers) worker.kill('SIGKILL');
    }
    expect(stale).toEqual([]);
    const after = await Promise.all(cluster.replicas.map((replica) => cacheOf(replica)));
    expect(after.map((section) => [section.store, section.fallbacks])).toEqual(
      fallbacksBefore.map((section) => ['redis', section.fallbacks]),
    );
  }, 90_000);

  it('never leaves an old value cached when fills on every replica race writes, with all cores busy (0 stale)', async () => {
    const ids = [20, 21, 22, 23, 24, 25];
    const stale: string[] = [];
    const database = new pg.Client({ connectionString: cluster.database.url });
    await database.connect();
    const workers = busyWorkers();
    try {
      for (let trial = 0; trial < 15; trial++) {
        let writing = true;
        // Readers keep refilling each entry while two replicas' writes to it commit and invalidate it.
        const readers = cluster.replicas.flatMap((replica) =>
          ids.map(async (id) => {
            while (writing) await nameOn(replica, id);
          }),
        );
        try {
          await Promise.all(
            ids.flatMap((id, i) => [
              rename(cluster.replicas[(trial + i) % 3], id, `Race ${trial} on ${id} (one)`),
              rename(cluster.replicas[(trial + i + 1) % 3], id, `Race ${trial} on ${id} (other)`),
            ]),
          );
        } finally {
          writing = false;
          await Promise.all(readers);
        }
        const truth = await database.query<{ id: number; name: string }>('SELECT id, name FROM mentors WHERE id = ANY($1)', [ids]);
        for (const { id, name } of truth.rows) {
          const seen = await namesEverywhere(id);
          seen.forEach((value, index) => value !== name && stale.push(`trial ${trial}: replica-${index} served "${value}" for ${name}`));
        }
      }
    } finally {
      for (const worker of workers) worker.kill('SIGKILL');
      await database.end();
    }
    expect(stale).toEqual([]);
  }, 90_000);

  it('serves the restored data on every replica after a CLI restore under the running API', async () => {
    const id = 13;
    const backupDir = await mkdtemp(join(tmpdir(), 'mentorhub-cache-restore-'));
    try {
      await rename(cluster.replicas[0], id, 'Before the backup');
      const created = await runCli(cluster, ['create'], backupDir);
      expect(created.code).toBe(0);
      const backup = /Created (mentorhub_backup_\d{8}_\d{6})/.exec(created.output)![1];
      await rename(cluster.replicas[1], id, 'After the backup');
      expect(await namesEverywhere(id)).toEqual(['After the backup', 'After the backup', 'After the backup']);

      const restored = await runCli(cluster, ['restore', backup, '--yes'], backupDir);
      expect(restored.output).toMatch(/Queued a clear of the whole cache/);
      expect(restored.code).toBe(0);
      await eventually(async () => {
        expect(await namesEverywhere(id)).toEqual(['Before the backup', 'Before the backup', 'Before the backup']);
      }, 15_000);
    } finally {
      await rm(backupDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('while Redis is frozen, a write on one replica reaches the others within CACHE_DEGRADED_TTL', async () => {
    const id = 14;
    // Changed in PostgreSQL behind the API's back: no outbox row tells the replicas, only the TTL can.
    const untracked = 16;
    const [a, b, c] = cluster.replicas;
    await namesEverywhere(id);
    cluster.redis!.freeze();
    const database = new pg.Client({ connectionString: cluster.database.url });
    try {
      await database.connect();
      await storesBecome(cluster.replicas, 'memory');
      // Every replica now holds the old values in its own memory store.
      await namesEverywhere(id);
      await namesEverywhere(untracked);
      await rename(a, id, 'Written while Redis is frozen');
      await database.query('UPDATE mentors SET name = $1 WHERE id = $2', ['Written behind the API', untracked]);
      // The old values were stored in memory before the writes, so they have expired by then, however
      // slow the machine: from that moment no replica may answer them (a fill reads the new values).
      await delay(DEGRADED_TTL_S * 1000);
      expect([await nameOn(b, id), await nameOn(c, id)]).toEqual(['Written while Redis is frozen', 'Written while Redis is frozen']);
      expect(await namesEverywhere(untracked)).toEqual(['Written behind the API', 'Written behind the API', 'Written behind the API']);
    } finally {
      await database.end();
      cluster.redis!.thaw();
    }
    await storesBecome(cluster.replicas, 'redis');
  }, 60_000);

  it('applies the invalidation of a replica killed during the outage once Redis returns, on the survivors', async () => {
    const id = 15;
    const [, b, c] = cluster.replicas;
    await rename(b, id, 'Cached before the outage');
    expect(await namesEverywhere(id)).toEqual(['Cached before the outage', 'Cached before the outage', 'Cached before the outage']);
    cluster.redis!.freeze();
    try {
      await storesBecome(cluster.replicas.slice(0, 1), 'memory');
      await rename(cluster.replicas[0], id, 'Written by the replica that dies');
      await cluster.kill(0);
    } finally {
      cluster.redis!.thaw();
    }
    await storesBecome([b, c], 'redis');
    // A survivor that never noticed the outage applies the dead replica's row on its next outbox poll.
    await eventually(async () => {
      expect([await nameOn(b, id), await nameOn(c, id)]).toEqual(['Written by the replica that dies', 'Written by the replica that dies']);
    }, 10_000);
    const redis = cluster.redis!.client();
    await redis.connect();
    try {
      expect(await redis.get(`mentorhub:mentor:${id}:@all`)).toContain('Written by the replica that dies');
    } finally {
      redis.disconnect();
    }
    // The figure is refreshed by each outbox poll.
    await eventually(async () => expect((await cacheOf(b)).pending_invalidations).toBe(0), 10_000);
  }, 60_000);
});
