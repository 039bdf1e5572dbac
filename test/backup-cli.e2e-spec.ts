import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createBackupCliContext } from '../src/backup/cli/backup.cli.js';
import { runBackupCli, type CliIo } from '../src/backup/cli/backup-cli.commands.js';
import { backupFiles, tempDir } from './support/backup-helpers.js';
import { Redis } from 'ioredis';
import { randomNamespace, SHARED_REDIS_URL } from './support/redis-server.js';
import { BUILT_MAIN } from './support/spawn-api.js';
import { createTestApp, withEnv } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

interface CapturedIo extends CliIo {
  stdout: string[];
  stderr: string[];
}

function captureIo(options: { interactive?: boolean; answer?: string } = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    interactive: options.interactive ?? false,
    ask: async (question) => {
      stderr.push(question);
      return options.answer ?? '';
    },
  };
}

describe('backup CLI (npm run backup)', () => {
  let database: TestDatabase;
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;

  const mentorNames = () => {
    const db = new Database(database.location, { readonly: true });
    try {
      return db.prepare('SELECT id, name FROM mentors ORDER BY id').all();
    } finally {
      db.close();
    }
  };
  const rename = (name: string) => {
    const db = new Database(database.location);
    try {
      db.prepare('UPDATE mentors SET name = ? WHERE id = 1').run(name);
    } finally {
      db.close();
    }
  };
  const cli = (argv: string[], io: CapturedIo) => withEnv(env, () => runBackupCli(argv, io, createBackupCliContext));

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    dir = await tempDir('mentorhub-backups-');
    // The API seeds the demo data, then stops: the CLI works on the database without a server.
    const t = await createTestApp({ engine: 'sqlite', database });
    await t.app.close();
    env = { DATABASE_URL: database.url, BACKUP_DIR: dir.path, LOG_TO_FILE: 'false', REDIS_URL: '' };
  });
  afterAll(async () => {
    await database.drop();
    await dir.remove();
  });

  it('creates, lists, verifies and restores with --yes', async () => {
    const before = mentorNames();
    const created = captureIo();
    expect(await cli(['create'], created)).toBe(0);
    const name = /Created (mentorhub_backup_\d{8}_\d{6})\.sqlite\.gz/.exec(created.stdout.join('\n'))?.[1];
    expect(name).toBeDefined();
    expect(created.stderr.some((line) => line.startsWith('dump:'))).toBe(true);

    const listed = captureIo();
    expect(await cli(['list'], listed)).toBe(0);
    expect(listed.stdout.join('\n')).toContain(`${name}.sqlite.gz`);

    const verified = captureIo();
    expect(await cli(['verify', name!], verified)).toBe(0);
    expect(verified.stdout.join('\n')).toMatch(/checksum ok, trial restore ok \(.*mentors=50/);

    rename('changed by an operator');
    const restored = captureIo();
    expect(await cli(['restore', name!, '--yes'], restored)).toBe(0);
    expect(restored.stdout.join('\n')).toMatch(/Restored .* \(safety backup of the previous content: mentorhub_backup_/);
    expect(mentorNames()).toEqual(before);
  });

  it('queues a clear of the whole cache in the restored database, which the API applies to its own namespace only', async () => {
    const namespace = randomNamespace();
    const redis = new Redis(SHARED_REDIS_URL);
    try {
      await redis.set(`${namespace}mentor:1:@all`, '"before the restore"');
      await redis.set(`${namespace}foreign-check`, 'x');
      await redis.set(`other-app-${namespace}key`, 'kept');
      const withRedis = { ...env, REDIS_URL: SHARED_REDIS_URL, CACHE_NAMESPACE: namespace };
      const created = captureIo();
      expect(await withEnv(withRedis, () => runBackupCli(['create'], created, createBackupCliContext))).toBe(0);
      const name = /Created (mentorhub_backup_\d{8}_\d{6})/.exec(created.stdout.join('\n'))![1];
      const restored = captureIo();
      expect(await withEnv(withRedis, () => runBackupCli(['restore', name, '--yes'], restored, createBackupCliContext))).toBe(0);
      expect(restored.stdout.join('\n')).toMatch(/Queued a clear of the whole cache/);
      const queued = new Database(database.location, { readonly: true });
      try {
        expect(queued.prepare('SELECT DISTINCT pattern FROM cache_invalidation').all()).toEqual([{ pattern: '*' }]);
      } finally {
        queued.close();
      }
      expect(await redis.exists(`${namespace}mentor:1:@all`)).toBe(1);
      // The API drains the outbox before it serves from Redis.
      const api = await createTestApp({ engine: 'sqlite', database, env: { REDIS_URL: SHARED_REDIS_URL, CACHE_NAMESPACE: namespace } });
      await api.close();
      expect(await redis.exists(`${namespace}mentor:1:@all`, `${namespace}foreign-check`)).toBe(0);
      expect(await redis.get(`other-app-${namespace}key`)).toBe('kept');
    } finally {
      const leftovers = await redis.keys(`${namespace}*`);
      await redis.del(`other-app-${namespace}key`, ...leftovers);
      redis.disconnect();
    }
  });

  it('asks for confirmation naming the database and the backup, and refuses without a terminal', async () => {
    const created = captureIo();
    await cli(['create'], created);
    const name = /Created (mentorhub_backup_\d{8}_\d{6})/.exec(created.stdout.join('\n'))![1];
    rename('not to be overwritten');
    const after = mentorNames();

    const piped = captureIo({ interactive: false });
    expect(await cli(['restore', name], piped)).toBe(1);
    expect(piped.stderr.join('\n')).toMatch(/Refusing to restore without --yes/);

    const declined = captureIo({ interactive: true, answer: 'no' });
    expect(await cli(['restore', name], declined)).toBe(1);
    expect(declined.stderr[0]).toContain(`Restore ${name} over the database "mentorhub.sqlite"`);
    expect(mentorNames()).toEqual(after);

    const confirmed = captureIo({ interactive: true, answer: 'yes' });
    expect(await cli(['restore', name], confirmed)).toBe(0);
    expect(mentorNames()).not.toEqual(after);
  });

  it.each([
    ['restore', '../../etc/passwd'],
    ['verify', 'backups/../../secret'],
    ['restore', '/tmp/mentorhub_backup_20240101_000000.dump'],
    ['verify', 'mentorhub_backup_20240101_000000.dump/..'],
  ])('rejects the path %s %s before starting anything', async (command, name) => {
    const files = await backupFiles(dir.path);
    const io = captureIo();
    let started = false;
    const code = await runBackupCli([command, name, '--yes'], io, async () => {
      started = true;
      return createBackupCliContext();
    });
    expect(code).toBe(1);
    expect(started).toBe(false);
    expect(io.stderr.join('\n')).toMatch(/^Backup \w+ failed: Invalid backup name/);
    expect(await backupFiles(dir.path)).toEqual(files);
  });

  it('refuses a retention below 7 days without --force, and prunes nothing recent with it', async () => {
    const refused = captureIo();
    expect(await cli(['prune', '--days', '3'], refused)).toBe(1);
    expect(refused.stderr.join('\n')).toMatch(/needs --force/);
    const forced = captureIo();
    expect(await cli(['prune', '--days', '3', '--force'], forced)).toBe(0);
    expect(forced.stdout.join('\n')).toMatch(/^Pruned 0 backup\(s\) older than 3 days; kept \d+/);
  });

  it('runs the built CLI through npm run backup without building again when dist/ is current', async () => {
    const launcher = join(import.meta.dirname, '..', 'src', 'backup', 'cli', 'backup-launcher.ts');
    const built = statSync(BUILT_MAIN).mtimeMs;
    const result = spawnSync(process.execPath, [launcher, 'list'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    expect(result.stderr).not.toContain('Building dist/');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Backups of sqlite database "mentorhub\.sqlite" \(sqlite-[0-9a-f]{16}\) in .* on instance /);
    expect(statSync(BUILT_MAIN).mtimeMs).toBe(built);
  });

  it('prints usage and exits 2 on a bad command line', async () => {
    for (const argv of [[], ['explode'], ['verify'], ['create', 'extra'], ['prune', '--days', 'abc']]) {
      const io = captureIo();
      expect(await cli(argv, io)).toBe(2);
      expect(io.stderr.join('\n')).toContain('Usage: npm run backup');
    }
  });
});
