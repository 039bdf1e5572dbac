import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type Engine = 'sqlite' | 'postgres';
export const ENGINES: Engine[] = ['sqlite', 'postgres'];

/** The local server CI provides; override with TEST_POSTGRES_URL (a URL to its maintenance database). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  engine: Engine;
  url: string;
  /** SQLite: the database file; PostgreSQL: the database name. */
  location: string;
  drop(): Promise<void>;
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database per call, so test files never interfere with each other. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'mentorhub-test-'));
    const file = join(dir, 'mentorhub.sqlite');
    return { engine, url: `sqlite:${file}`, location: file, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `mentorhub_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { engine, url: url.toString(), location: name, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
