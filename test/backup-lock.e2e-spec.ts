import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { BACKUP_LOCK, type BackupLock } from '../src/backup/lock/backup.lock.js';
import { BackupService } from '../src/backup/backup.service.js';
import { backupFiles, tempDir } from './support/backup-helpers.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type Engine } from './support/test-database.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';

/** Two app instances on one database and one backup folder, as two replicas would be. */
async function twoReplicas(engine: Engine, env: Record<string, string | undefined>) {
  const dir = await tempDir('mentorhub-backups-');
  const database = await createTestDatabase(engine);
  const common = {
    BACKUP_DIR: dir.path,
    BACKUP_ENABLED: 'false',
    BACKUP_VERIFY_AFTER_BACKUP: 'false',
    BACKUP_PRUNE_AFTER_BACKUP: 'false',
    ...env,
  };
  const first = await createTestApp({ engine, database, env: common });
  const second = await createTestApp({ engine, database, env: { ...common, DEMO_DATA: 'false' } });
  return {
    dir,
    apps: [first, second] as TestApp[],
    close: async () => {
      await first.close();
      await second.close();
      await database.drop();
      await dir.remove();
    },
  };
}

describe('one backup across replicas', () => {
  it('runs the cron body once when two instances fire at once (Redis lock)', async () => {
    const key = `mentorhub-test:backup-lock:${randomBytes(6).toString('hex')}`;
    const replicas = await twoReplicas('sqlite', { REDIS_URL, BACKUP_LOCK_KEY: key });
    const redis = new Redis(REDIS_URL);
    try {
      expect(replicas.apps[0].app.get<BackupLock>(BACKUP_LOCK).kind).toBe('redis');
      await Promise.all(replicas.apps.map((t) => t.app.get(BackupService).runScheduled()));
      expect((await backupFiles(replicas.dir.path)).filter((file) => file.endsWith('.sqlite.gz'))).toHaveLength(1);
      // The winner keeps the key for the settle period (a late replica skips the slot), with an expiry.
      expect(await redis.pttl(key)).toBeGreaterThan(0);
      // Only the owner's token releases it: a foreign value is left alone.
      await redis.set(key, 'someone-else', 'PX', 60_000);
      const handle = await replicas.apps[0].app.get<BackupLock>(BACKUP_LOCK).tryAcquire();
      expect(handle).toBeNull();
      expect(await redis.get(key)).toBe('someone-else');
    } finally {
      await redis.del(key);
      redis.disconnect();
      await replicas.close();
    }
  });

  it('runs the cron body once when two instances fire at once (PostgreSQL advisory lock)', async () => {
    const key = `mentorhub-test:backup-lock:${randomBytes(6).toString('hex')}`;
    const replicas = await twoReplicas('postgres', { BACKUP_LOCK_KEY: key });
    try {
      expect(replicas.apps[0].app.get<BackupLock>(BACKUP_LOCK).kind).toBe('postgres');
      await Promise.all(replicas.apps.map((t) => t.app.get(BackupService).runScheduled()));
      expect((await backupFiles(replicas.dir.path)).filter((file) => file.endsWith('.dump'))).toHaveLength(1);
      // A replica whose timer fires a little later skips the slot: the winner holds the lock for the settle period.
      await replicas.apps[1].app.get(BackupService).runScheduled();
      expect((await backupFiles(replicas.dir.path)).filter((file) => file.endsWith('.dump'))).toHaveLength(1);
    } finally {
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
      const started = Date.now();
      const { manifest } = await t.app.get(BackupService).createBackup();
      expect(await backupFiles(dir.path)).toContain(manifest.file);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await t.close();
      await dir.remove();
    }
  });
});
