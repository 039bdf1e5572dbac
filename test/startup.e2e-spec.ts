import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfiguration } from '../src/app.module.js';
import { ConfigError } from '../src/common/config/env.util.js';
import { spawnApi } from './support/spawn-api.js';
import { withEnv } from './support/test-app.js';

/** The built API started the way the README's first command starts it, in an empty folder. */
describe('starting the built API', () => {
  let cwd: string;

  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'mentorhub-start-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  // Every refusal, checked in this process: main.ts prints the message of the ConfigError validation throws.
  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be an integer between 0 and 65535, got "abc"$/],
    [
      { DATABASE_URL: 'mysql://root:hunter2@localhost/mentorhub' },
      /^Invalid configuration: DATABASE_URL must start with sqlite: or postgres:\/\//,
    ],
    [
      { NODE_ENV: 'production' },
      /^Invalid configuration: JWT_SECRET must be set to a random secret of 32\+ characters when NODE_ENV=production$/,
    ],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short' }, /^Invalid configuration: JWT_SECRET must be at least 32 characters/],
    [{ ADMIN_EMAIL: 'a@b.c' }, /^Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together$/],
    [{ LOG_TO_FILE: 'sometimes' }, /^Invalid configuration: LOG_TO_FILE must be true or false/],
    [
      { ADMIN_EMAIL: 'admin@localhost', ADMIN_PASSWORD: 'long-enough' },
      /^Invalid configuration: ADMIN_EMAIL must be an email address with a domain/,
    ],
    [
      { NODE_ENV: 'production', JWT_SECRET: 'replace-with-at-least-32-random-characters' },
      /^Invalid configuration: JWT_SECRET is still the placeholder/,
    ],
    [
      { NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(40), ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'CHANGE-ME' },
      /^Invalid configuration: ADMIN_PASSWORD is still the placeholder/,
    ],
    [{ HOST: 'every interface' }, /^Invalid configuration: HOST must be an IP address or a host name/],
    [
      { CORS_ORIGINS: 'https://app.example.com,https://app.example.com/path' },
      /^Invalid configuration: CORS_ORIGINS must be comma-separated origins like https:\/\/app.example.com, got "https:\/\/app.example.com\/path"$/,
    ],
    [{ CORS_ORIGINS: '*' }, /^Invalid configuration: CORS_ORIGINS must be comma-separated origins/],
    [{ DATABASE_POOL_SIZE: '1' }, /^Invalid configuration: DATABASE_POOL_SIZE must be an integer between 2 and 200/],
    // The operations modules take their options from the app, which validates them at start all the same.
    [{ METRICS_SLOW_MS: 'fast' }, /^Invalid configuration: METRICS_SLOW_MS must be an integer between 1 and 3600000, got "fast"$/],
    [{ CACHE_NAMESPACE: 'two words:' }, /^Invalid configuration: CACHE_NAMESPACE must be up to 64 letters/],
    [{ HEALTH_CHECK_TIMEOUT_MS: '5' }, /^Invalid configuration: HEALTH_CHECK_TIMEOUT_MS must be an integer between 10 and 60000, got "5"$/],
    [
      { SENTRY_DSN: 'https://sentry.example.com/42' },
      /^Invalid configuration: SENTRY_DSN must be a Sentry DSN like https:\/\/<key>@<host>\/<project id>/,
    ],
  ])('refuses %j with a message naming the variable', async (env, message) => {
    // The local data (a generated JWT secret) goes to this test's folder unless the case names a database.
    const refusal = await withEnv({ DATABASE_URL: `sqlite:${join(cwd, 'mentorhub.sqlite')}`, ...env }, async () => {
      try {
        validateConfiguration();
      } catch (error) {
        if (error instanceof ConfigError) return `Invalid configuration: ${error.message}`;
        throw error;
      }
      return 'accepted';
    });
    expect(refusal).toMatch(message);
    expect(refusal).not.toContain('hunter2');
  });

  // And as the built API runs: one line on stderr, exit code 1, for the first namespaces and the last.
  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT must be an integer between 0 and 65535, got "abc"$/],
    [
      { DATABASE_URL: 'mysql://root:hunter2@localhost/mentorhub' },
      /^Invalid configuration: DATABASE_URL must start with sqlite: or postgres:\/\//,
    ],
    [{ NODE_ENV: 'production' }, /^Invalid configuration: JWT_SECRET must be set to a random secret of 32\+ characters/],
    [{ HEALTH_CHECK_TIMEOUT_MS: '5' }, /^Invalid configuration: HEALTH_CHECK_TIMEOUT_MS must be an integer between 10 and 60000/],
  ])('refuses %j at start with one line naming the variable', async (env, message) => {
    const api = spawnApi(env, cwd);
    expect(await api.exited).toBe(1);
    const lines = api.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(api.stderr()).not.toContain('hunter2');
  });

  it('listens on HOST alone when it is set', async () => {
    const api = spawnApi({ PORT: '0', HOST: '127.0.0.2', LOG_TO_FILE: 'false' }, cwd);
    try {
      const port = await api.listening;
      expect(api.stdout()).toContain(`listening on http://127.0.0.2:${port}/api/v1`);
      expect((await fetch(`http://127.0.0.2:${port}/api/v1/health/live`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/api/v1/health/live`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    } finally {
      await api.stop();
    }
  });

  it('adds no demo data and prints no password in production', async () => {
    const api = spawnApi(
      { PORT: '0', NODE_ENV: 'production', JWT_SECRET: 'k'.repeat(40), ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'a-real-password' },
      cwd,
    );
    const port = await api.listening;
    expect(((await (await fetch(`http://127.0.0.1:${port}/api/v1/mentors`)).json()) as { total: number }).total).toBe(0);
    expect(api.stdout()).not.toContain('a-real-password');
    expect(await api.stop()).toBe(0);
  });

  it('starts on the embedded defaults with demo data and a printed admin password, shown only once', async () => {
    const first = spawnApi({ PORT: '0' }, cwd);
    const port = await first.listening;
    const password = /Created the admin user admin@mentorhub\.local with password (\S+)/.exec(first.stdout())?.[1];
    expect(password).toBeDefined();
    expect(existsSync(join(cwd, 'data', 'mentorhub.sqlite'))).toBe(true);
    // No JWT_SECRET: the one made on this first start, readable by the owner only.
    expect(statSync(join(cwd, 'data', 'jwt-secret')).mode & 0o777).toBe(0o600);

    const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@mentorhub.local', password }),
    });
    expect(login.status).toBe(200);
    const mentors = (await (await fetch(`http://127.0.0.1:${port}/api/v1/mentors`)).json()) as { total: number };
    expect(mentors.total).toBe(50);
    expect((await fetch(`http://127.0.0.1:${port}/api/docs`)).status).toBe(200);
    const openapi = (await (await fetch(`http://127.0.0.1:${port}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/mentors/{id}', '/api/v1/courses/search']),
    );

    expect(await first.stop()).toBe(0);
    const logFile = readFileSync(join(cwd, 'logs', 'app.log'), 'utf8');
    const entries = logFile
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; message: string });
    expect(entries.some((entry) => entry.message.includes('listening on'))).toBe(true);
    expect(logFile).not.toContain(password);

    const second = spawnApi({ PORT: '0', LOG_TO_FILE: 'false' }, cwd);
    await second.listening;
    expect(second.stdout()).not.toContain('Created the admin user');
    expect(await second.stop()).toBe(0);
  });
});
