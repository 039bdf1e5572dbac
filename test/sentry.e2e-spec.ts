import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SentryIngestServer, type SentryEvent } from './support/sentry-ingest.js';
import { spawnApi } from './support/spawn-api.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const GENERIC_500 = { statusCode: 500, error: 'Internal Server Error', message: 'An unexpected error occurred' };

/**
 * Error reporting as production runs it: the built API (dist/main.js) with SENTRY_DSN pointing at
 * a local stand-in for Sentry's ingest endpoint, every secret of the configuration set to a value
 * the test can look for in the bytes the SDK sends.
 */
describe('error reporting to Sentry', () => {
  let ingest: SentryIngestServer;
  let cwd: string;

  beforeEach(async () => {
    ingest = await SentryIngestServer.start();
    cwd = await mkdtemp(join(tmpdir(), 'mentorhub-sentry-'));
  });
  afterEach(async () => {
    await ingest.close();
    await rm(cwd, { recursive: true, force: true });
  });

  describe('with PostgreSQL and every secret set', () => {
    const secrets = {
      JWT_SECRET: 'jwt-secret-of-the-sentry-test-7f3a9c2e5b',
      ADMIN_PASSWORD: 'admin-password-of-the-sentry-test-Zq81',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-of-the-sentry-test-Vx93',
      METRICS_TOKEN: 'metrics-token-of-the-sentry-test-Rt55',
    };
    const dbPassword = 'db-password-of-the-sentry-test-Kp42';
    const cookie = 'session=cookie-of-the-sentry-test-Mn27';
    // Read by nothing: would only show up in an environment dump.
    const envCanary = 'env-canary-of-the-sentry-test-Hd06';
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase('postgres');
    });
    afterEach(() => database.drop());

    it('reports unhandled errors with their route and no secret, never client errors, and flushes on SIGTERM', async () => {
      // The local server trusts connections, so the password is carried but never checked.
      const databaseUrl = new URL(database.url);
      databaseUrl.password = dbPassword;
      const api = spawnApi(
        {
          ...secrets,
          PORT: '0',
          NODE_ENV: 'production',
          SHUTDOWN_DRAIN_MS: '0',
          LOG_TO_FILE: 'false',
          DATABASE_URL: databaseUrl.toString(),
          ADMIN_EMAIL: 'ops@example.com',
          BACKUP_ENABLED: 'false',
          AWS_S3_BUCKET: 'mentorhub-backups',
          AWS_ACCESS_KEY_ID: 'AKIASENTRYTEST',
          AWS_S3_ENDPOINT: 'http://127.0.0.1:9',
          SENTRY_DSN: ingest.dsn,
          SENTRY_RELEASE: 'mentorhub@e2e',
          MENTORHUB_CANARY: envCanary,
        },
        cwd,
      );
      const base = `http://127.0.0.1:${await api.listening}/api/v1`;
      const login = (password: string) =>
        fetch(`${base}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'ops@example.com', password }),
        });
      const token = ((await (await login(secrets.ADMIN_PASSWORD)).json()) as { access_token: string }).access_token;
      const auth = { authorization: `Bearer ${token}`, cookie };

      // Client errors, thrown HTTP exceptions included: answers, not failures.
      expect((await fetch(`${base}/no-such-route`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${base}/mentors/999`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${base}/admin/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/mentors?limit=1000`, { headers: auth })).status).toBe(400);
      expect((await login('wrong-password')).status).toBe(401);

      // Then real failures: the tables the handlers read are gone.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('DROP TABLE mentors CASCADE; DROP TABLE users CASCADE');
      await client.end();

      const list = await fetch(`${base}/mentors?page=1&limit=5`, { headers: auth });
      expect(list.status).toBe(500);
      expect(await list.json()).toEqual(GENERIC_500);
      const detail = await fetch(`${base}/mentors/7`, { headers: { ...auth, 'x-request-id': 'sentry-e2e-7' } });
      expect(detail.status).toBe(500);
      expect(detail.headers.get('x-request-id')).toBe('sentry-e2e-7');
      expect(await detail.json()).toEqual(GENERIC_500);
      // The body carries the admin password.
      const failedLogin = await login(secrets.ADMIN_PASSWORD);
      expect(failedLogin.status).toBe(500);
      expect(await failedLogin.json()).toEqual(GENERIC_500);

      // SIGTERM right away: whatever is still queued is sent before the process exits.
      expect(await api.stop()).toBe(0);

      const events = ingest.events();
      const byTransaction = (transaction: string) => events.find((event) => event.transaction === transaction);
      expect(events.map((event) => event.transaction).sort()).toEqual([
        'GET /api/v1/mentors',
        'GET /api/v1/mentors/:id',
        'POST /api/v1/auth/login',
      ]);
      expect(byTransaction('GET /api/v1/mentors')).toMatchObject<Partial<SentryEvent>>({
        level: 'error',
        environment: 'production',
        release: 'mentorhub@e2e',
        request: { method: 'GET', url: '/api/v1/mentors' },
        exception: { values: [expect.objectContaining({ type: 'QueryFailedError', value: 'relation "mentors" does not exist' })] },
      });
      expect(byTransaction('GET /api/v1/mentors')?.tags).toMatchObject({ request_id: list.headers.get('x-request-id') });
      expect(byTransaction('GET /api/v1/mentors/:id')?.request).toEqual({ method: 'GET', url: '/api/v1/mentors/7' });
      expect(byTransaction('GET /api/v1/mentors/:id')?.tags).toMatchObject({ request_id: 'sentry-e2e-7' });
      expect(byTransaction('POST /api/v1/auth/login')).toMatchObject<Partial<SentryEvent>>({
        request: { method: 'POST', url: '/api/v1/auth/login' },
        exception: { values: [expect.objectContaining({ type: 'QueryFailedError', value: 'relation "users" does not exist' })] },
      });
      expect(ingest.envelopes.every((envelope) => envelope.url.includes('sentry_key=publickey'))).toBe(true);
      expect(ingest.unexpected).toEqual([]);

      const sent = ingest.rawBodies();
      for (const secret of [...Object.values(secrets), dbPassword, token, cookie.split('=')[1], envCanary]) {
        expect(sent).not.toContain(secret);
      }
      expect(sent).not.toContain('page=1');
    });
  });

  it('reports a failed scheduled backup, which no one is watching', async () => {
    const database = await createTestDatabase('postgres');
    try {
      // A PATH without pg_dump: every scheduled run fails at its first step.
      const emptyBin = join(cwd, 'bin');
      await mkdir(emptyBin);
      const api = spawnApi(
        {
          PATH: emptyBin,
          PORT: '0',
          LOG_TO_FILE: 'false',
          DATABASE_URL: database.url,
          BACKUP_DIR: join(cwd, 'backups'),
          BACKUP_CRON: '* * * * * *',
          SENTRY_DSN: ingest.dsn,
        },
        cwd,
      );
      await api.listening;
      const event = await ingest.waitForEvent((candidate) => candidate.transaction === 'scheduled backup');
      expect(await api.stop()).toBe(0);
      expect(event).toMatchObject<Partial<SentryEvent>>({ level: 'error', environment: 'development' });
      expect(event.request).toBeUndefined();
      expect(event.exception?.values[0]).toMatchObject({
        type: 'BackupError',
        value: 'pg_dump could not run: spawn pg_dump ENOENT',
        mechanism: { handled: false },
      });
      expect(api.stderr()).toContain('Scheduled backup failed: pg_dump could not run');
    } finally {
      await database.drop();
    }
  });
});
