import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { backupFiles, tempDir } from './support/backup-helpers.js';
import { waitFor } from './support/redis-server.js';

const BARE_APP = join(import.meta.dirname, 'support', 'backup-bare-app.js');

/**
 * The built BackupModule alone in a bare Nest app (no auth, database, cache, metrics or health
 * module of ours), in its own process: its endpoints answer behind the host's guard, and once the
 * app is closed the process exits by itself (no timer, connection or cron job left behind).
 */
describe('BackupModule in a bare Nest app', () => {
  it('serves its admin endpoints behind the host guard and shuts down cleanly', async () => {
    const dir = await tempDir('mentorhub-backup-module-');
    const file = join(dir.path, 'host.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('kept by the host app')");
    db.close();
    const backupDir = join(dir.path, 'backups');
    const child = spawn(process.execPath, [BARE_APP], {
      env: { PATH: process.env.PATH ?? '', BARE_APP_SQLITE: file, BACKUP_DIR: backupDir, BACKUP_ENABLED: 'true' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => /listening on \d+/.test(output) || child.exitCode !== null, 20_000, `the bare app to listen:\n${output}`);
      const base = `http://127.0.0.1:${/listening on (\d+)/.exec(output)![1]}/admin/backups`;
      const call = (path: string, init: RequestInit = {}, role?: string) =>
        fetch(`${base}${path}`, { ...init, headers: role ? { 'x-role': role } : {} });

      expect((await call('')).status).toBe(401);
      expect((await call('', {}, 'student')).status).toBe(403);
      const created = await call('', { method: 'POST' }, 'admin');
      expect(created.status).toBe(201);
      const { manifest } = (await created.json()) as { manifest: { name: string; engine: string; database: string } };
      expect(manifest).toMatchObject({ engine: 'sqlite', database: 'host.sqlite' });
      expect(await backupFiles(backupDir)).toEqual([`${manifest.name}.json`, `${manifest.name}.sqlite.gz`]);

      const listed = (await (await call('', {}, 'admin')).json()) as { items: { name: string }[] };
      expect(listed.items.map((item) => item.name)).toEqual([manifest.name]);
      const verified = await call(`/${manifest.name}/verify`, { method: 'POST' }, 'admin');
      expect(await verified.json()).toMatchObject({ verification: { ok: true, rowCounts: { notes: 1 } } });
      const status = await call('/status', {}, 'admin');
      expect(await status.json()).toMatchObject({
        enabled: true,
        lastSuccess: { name: manifest.name },
        nextRunAt: expect.stringMatching(/T03:00:00/),
      });
      expect((await call('/not-a-backup/verify', { method: 'POST' }, 'admin')).status).toBe(400);

      child.kill('SIGTERM');
      // Closing the app must be enough for the process to end: nothing keeps the event loop alive.
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running 10 s after SIGTERM'), 10_000)));
      expect(await Promise.race([exited, deadline])).toBe(0);
      clearTimeout(timer);
      expect(output).toContain('closed');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      await dir.remove();
    }
  });
});
