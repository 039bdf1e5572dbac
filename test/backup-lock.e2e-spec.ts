import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { createServer, type Server } from 'node:net';
import { BACKUP_LOCK, holderFor, type BackupLock } from '../src/backup/lock/backup.lock.js';
import { BackupService, type ScheduledSlot } from '../src/backup/backup.service.js';
import { databaseIdentity } from '../src/backup/catalogue/database-identity.js';
import { backupFiles, tempDir } from './support/backup-helpers.js';
import { Redis } from 'ioredis';
import { randomNamespace, SHARED_REDIS_URL } from './support/redis-server.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type Engine } from './support/test-database.js';

const slot = (iso: string): ScheduledSlot => ({
  slot: new Date(iso),
  next: new Date(Date.parse(iso) + 10_000),
  claimMs: 30_000,
  verify: false,
  prune: false,
});

/** Two app instances on one database, each with its own backup folder, as two replicas would be. */
async function twoReplicas(engine: Engine, env: Record<string, string | undefined>) {
  const dirs = [await tempDir('mentorhub-backups-a-'), await tempDir('mentorhub-backups-b-')];
  const database = await createTestDatabase(engine);
  const common = { BACKUP_ENABLED: 'false', BACKUP_VERIFY_AFTER_BACKUP: 'false', BACKUP_PRUNE_AFTER_BACKUP: 'false', ...env };
  const apps: TestApp[] = [];
  try {
    apps.push(await createTestApp({ engine, database, env: { ...common, BACKUP_DIR: dirs[0].path, INSTANCE_ID: 'replica-a' } }));
    apps.push(
      await createTestApp({ engine, database, env: { ...common, BACKUP_DIR: dirs[1].path, INSTANCE_ID: 'replica-b', DEMO_DATA: 'false' } }),
    );
  } catch (error) {
    for (const app of apps) await app.close();
    await database.drop();
    throw error;
  }
  const backups = apps.map((t) => t.app.get(BackupService));
  const dumps = async () => (await Promise.all(dirs.map((dir) => backupFiles(dir.path)))).flat().filter((file) => !file.endsWith('.json'));
  return {
    database,
    apps,
    backups,
    dumps,
    close: async () => {
      for (const app of apps) await app.close();
      await database.drop();
      for (const dir of dirs) await dir.remove();
    },
  };
}

/** A pid that no process has now: a child that has already exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

describe('one backup per slot across replicas', () => {
  // The shared Redis, with keys of this run alone: the lock's and the cache's.
  const namespace = randomNamespace();
  // Not under the cache's namespace, whose keys a cache clear deletes.
  const lockKey = `${namespace.slice(0, -1)}-lock:backup`;
  const redisEnv = { REDIS_URL: SHARED_REDIS_URL, CACHE_NAMESPACE: namespace, BACKUP_LOCK_KEY: lockKey };

  const lockCases = (): [string, Engine, () => Record<string, string>][] => [
    ['Redis', 'sqlite', () => redisEnv],
    ['PostgreSQL advisory', 'postgres', () => ({})],
  ];

  it.each(lockCases())(
    '%s lock: each slot runs once, the next slot and a manual backup right after run too',
    async (_label, engine, env) => {
      const replicas = await twoReplicas(engine, env());
      try {
        expect(replicas.apps[0].app.get<BackupLock>(BACKUP_LOCK).kind).toBe(engine === 'sqlite' ? 'redis' : 'postgres');
        await Promise.all(replicas.backups.map((backups) => backups.runScheduled(slot('2026-01-01T03:00:00.000Z'))));
        expect(await replicas.dumps()).toHaveLength(1);
        // A replica whose timer fires late finds the slot taken.
        await replicas.backups[1].runScheduled(slot('2026-01-01T03:00:00.000Z'));
        await replicas.backups[0].runScheduled(slot('2026-01-01T03:00:00.000Z'));
        expect(await replicas.dumps()).toHaveLength(1);
        // The next slot, however soon, is a slot of its own.
        await Promise.all(replicas.backups.map((backups) => backups.runScheduled(slot('2026-01-01T03:00:10.000Z'))));
        expect(await replicas.dumps()).toHaveLength(2);
        // Nothing holds the lock once a run is over.
        await expect(replicas.backups[1].createBackup()).resolves.toMatchObject({ manifest: { trigger: 'manual' } });
        expect(await replicas.dumps()).toHaveLength(3);
      } finally {
        await replicas.close();
      }
    },
  );

  it.each(lockCases())('%s lock: a refused backup says which operation holds the lock on which replica', async (_label, engine, env) => {
    const replicas = await twoReplicas(engine, env());
    const lock = replicas.apps[0].app.get<BackupLock>(BACKUP_LOCK);
    const handle = await lock.tryAcquire(holderFor('replica-a', 'create (scheduled)'));
    try {
      expect(handle).not.toBeNull();
      await expect(replicas.backups[1].createBackup()).rejects.toMatchObject({
        code: 'locked',
        message: expect.stringMatching(/^A backup operation is already running: create \(scheduled\) on instance replica-a since /),
      });
    } finally {
      await handle?.release();
      await replicas.close();
    }
  });

  it('takes over a Redis lock whose holder process on this host is gone (a replica restarted after a crash)', async () => {
    const replicas = await twoReplicas('sqlite', redisEnv);
    const client = new Redis(SHARED_REDIS_URL);
    const key = `${lockKey}:${databaseIdentity({ engine: 'sqlite', path: replicas.database.location }).id}`;
    try {
      const dead = { ...holderFor('replica-a', 'create (manual)'), pid: deadPid(), process: 'an earlier process' };
      await client.set(key, JSON.stringify({ ...dead, token: 'x' }), 'PX', 600_000);
      await expect(replicas.backups[1].createBackup()).resolves.toMatchObject({ manifest: { trigger: 'manual' } });
      // A live holder elsewhere is respected: its lock expires by itself, it is never taken.
      await client.set(key, JSON.stringify({ ...dead, host: `not-${hostname()}`, token: 'y' }), 'PX', 600_000);
      await expect(replicas.backups[1].createBackup()).rejects.toMatchObject({ code: 'locked' });
      expect(JSON.parse((await client.get(key))!)).toMatchObject({ token: 'y' });
    } finally {
      await client.del(key);
      client.disconnect();
      await replicas.close();
    }
  });

  it('still backs up when Redis is unreachable, with the fallback lock', async () => {
    // A port that accepts nothing: taken, then closed.
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const dir = await tempDir('mentorhub-backups-');
    const t = await createTestApp({
      engine: 'sqlite',
      env: { BACKUP_DIR: dir.path, BACKUP_ENABLED: 'false', REDIS_URL: `redis://127.0.0.1:${port}/0` },
    });
    try {
      const { manifest } = await t.app.get(BackupService).createBackup();
      expect(await backupFiles(dir.path)).toContain(manifest.file);
    } finally {
      await t.close();
      await dir.remove();
    }
  });
});
