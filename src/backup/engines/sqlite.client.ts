import { Injectable } from '@nestjs/common';
import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How long our own connections wait for the app's writers before giving up. */
const BUSY_TIMEOUT_MS = 10_000;

export interface SqliteInspection {
  /** `PRAGMA integrity_check` answer: "ok" when sound. */
  integrity: string;
  rowCounts: Record<string, number>;
}

/**
 * Runs in a worker thread: better-sqlite3 is synchronous, and a snapshot or an integrity check
 * of a large file must not stall the API's event loop (nor the writers it is serving).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const { op, path, destination, timeout } = workerData;
const db = new Database(path, { readonly: true, fileMustExist: true, timeout });
try {
  if (op === 'vacuumInto') {
    db.prepare('VACUUM INTO ?').run(destination);
    parentPort.postMessage({ ok: true });
  } else {
    const integrity = db.pragma('integrity_check').map((row) => row.integrity_check).join('; ');
    const rowCounts = {};
    if (integrity === 'ok') {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
      for (const { name } of tables) {
        rowCounts[name] = db.prepare('SELECT count(*) AS n FROM "' + name.replaceAll('"', '""') + '"').get().n;
      }
    }
    parentPort.postMessage({ ok: true, integrity, rowCounts });
  }
} finally {
  db.close();
}
`;

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

/** The better-sqlite3 operations backups use, each on its own short-lived connection. */
@Injectable()
export class SqliteClient {
  /**
   * A consistent snapshot while other connections keep writing: VACUUM INTO copies every page
   * inside one read transaction (unlike db.backup(), which restarts whenever another
   * connection writes and may never finish, or a file copy, which can tear a WAL database).
   */
  async vacuumInto(source: string, destination: string): Promise<void> {
    await this.inWorker<{ ok: true }>({ op: 'vacuumInto', path: source, destination });
  }

  /** Integrity check and the row count of every table. */
  async inspect(path: string): Promise<SqliteInspection> {
    const { integrity, rowCounts } = await this.inWorker<SqliteInspection & { ok: true }>({ op: 'inspect', path });
    return { integrity, rowCounts };
  }

  /**
   * Checkpoints the WAL into the main file and leaves WAL mode. SQLite allows this only to the
   * last connection, so it doubles as the check that no other process has the database open:
   * it returns false (and changes nothing) otherwise.
   */
  detachWal(path: string): boolean {
    const db = new Database(path, { fileMustExist: true, timeout: 0 });
    try {
      return db.pragma('journal_mode = DELETE', { simple: true }) === 'delete';
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw error;
    } finally {
      db.close();
    }
  }

  describe(path: string): { sqliteVersion: string; latestMigration: string | null } {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    try {
      const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
      const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").get();
      const latest = hasMigrations
        ? (db.prepare('SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1').get() as { name: string } | undefined)
        : undefined;
      return { sqliteVersion: v, latestMigration: latest?.name ?? null };
    } finally {
      db.close();
    }
  }

  private inWorker<T>(data: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...data, module: BETTER_SQLITE3, timeout: BUSY_TIMEOUT_MS } });
      let answer: T | undefined;
      worker.once('message', (message: T) => {
        answer = message;
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (answer !== undefined) resolve(answer);
        else reject(new Error(`SQLite worker exited with code ${code}`));
      });
    });
  }
}
