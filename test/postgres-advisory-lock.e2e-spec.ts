import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresAdvisoryLocks } from '../src/common/postgres/postgres-advisory-lock.js';
import { eventually } from './support/eventually.js';
import { POSTGRES_ADMIN_URL } from './support/test-database.js';

function withParam(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

/** The one advisory-lock implementation the start-up work and the backups share. */
describe('PostgresAdvisoryLocks (real PostgreSQL)', () => {
  const key = () => `mentorhub-test:${randomBytes(6).toString('hex')}`;

  it('is taken by one session at a time, names its holder and is freed on release', async () => {
    const locks = new PostgresAdvisoryLocks(POSTGRES_ADMIN_URL);
    const other = new PostgresAdvisoryLocks(POSTGRES_ADMIN_URL);
    const name = key();
    try {
      const handle = await locks.tryAcquire(name, 'mentorhub-test:first');
      expect(handle).not.toBeNull();
      expect(await other.tryAcquire(name, 'mentorhub-test:second')).toBeNull();
      expect(await other.holder(name)).toMatchObject({ applicationName: 'mentorhub-test:first', since: expect.any(Date) });
      await handle!.release();
      expect(await other.holder(name)).toBeNull();
      const second = await other.tryAcquire(name, 'mentorhub-test:second');
      expect(second).not.toBeNull();
      await second!.release();
    } finally {
      await locks.close();
      await other.close();
    }
  });

  it('is freed by PostgreSQL when the holding session dies', async () => {
    const locks = new PostgresAdvisoryLocks(POSTGRES_ADMIN_URL);
    const name = key();
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      expect(await locks.tryAcquire(name, 'mentorhub-test:dies')).not.toBeNull();
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mentorhub-test:dies'");
      await eventually(async () => expect(await locks.tryAcquire(name, 'mentorhub-test:next')).not.toBeNull());
    } finally {
      await admin.end();
      await locks.close();
    }
  });

  it('honours sslmode from the URL like the app pool (here a server without TLS)', async () => {
    const required = new PostgresAdvisoryLocks(withParam(POSTGRES_ADMIN_URL, 'sslmode', 'require'));
    await expect(required.tryAcquire(key(), 'mentorhub-test:tls')).rejects.toThrow(/SSL/);
    const plain = new PostgresAdvisoryLocks(withParam(POSTGRES_ADMIN_URL, 'sslmode', 'disable'));
    const handle = await plain.tryAcquire(key(), 'mentorhub-test:plain');
    expect(handle).not.toBeNull();
    await plain.close();
  });
});
