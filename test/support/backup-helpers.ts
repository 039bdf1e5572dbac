import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';

export const APP_TABLES = ['users', 'mentors', 'courses', 'reviews', 'migrations'];

/** Every row of the app's tables, in id order, as JSON-comparable values. */
export async function snapshotTables(dataSource: DataSource, tables = APP_TABLES): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows: Record<string, unknown>[] = await dataSource.query(`SELECT * FROM ${table} ORDER BY id`);
    snapshot[table] = JSON.parse(JSON.stringify(rows));
  }
  return snapshot;
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Our backup and manifest files in a directory (ignoring the status file and temporaries). */
export async function backupFiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((file) => file.startsWith('mentorhub_backup_')).sort();
}
